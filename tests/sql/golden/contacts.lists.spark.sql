tests/cli_ci/contacts/contacts.cohort:19:10: error[E0601]: the `spark` SQL dialect cannot express the frequency cap of campaign `Outreach`; run capped campaigns on PostgreSQL or DuckDB, or with `cohort run --data DIR --ledger DIR`
   19 | campaign Outreach
      |          ^~~~~~~~
