// The Cohort grammar (docs/language.md §1-3). ANTLR 4.7.2 generates C++ for the
// 4.9 runtime; compiler/parse/parser.cpp turns the parse tree into ast::Module
// at once, so nothing outside compiler/parse/ sees these rules.
//
// Newlines are insignificant: keywords delimit declarations and clauses.
// Expressions are written as explicit precedence levels (no left recursion)
// so that operator chains are loops, not recursion, inside ANTLR.
grammar Cohort;

// ---- Declarations -------------------------------------------------------------

file_ : decl* EOF ;

decl
  : useDecl
  | constDecl
  | defineDecl
  | segmentDecl
  | campaignDecl
  | testDecl
  ;

useDecl : USE (IDENT | string_) ;

constDecl : CONST IDENT ASSIGN expr ;

defineDecl : DEFINE IDENT ASSIGN expr ;

// Clauses in any order (`where` is conventionally first). The AST builder
// reports a missing `where` ("expected `where` after segment name") so the
// rest of the segment still parses; a second `where` is a duplicate clause
// (recorded for sema), not a syntax error.
segmentDecl : SEGMENT IDENT string_? segmentClause* ;

segmentClause
  : whereClause
  | excludeClause
  | channelClause
  | messageClause
  | ctaClause
  | purposeClause
  | holdoutClause
  | exportClause
  | variantClause
  | goalClause
  ;

whereClause   : WHERE expr ;
excludeClause : EXCLUDE expr ;
channelClause : CHANNEL IDENT (AFTER additive)? (IF expr)? ;
messageClause : MESSAGE string_ ;
ctaClause     : CTA string_ ;
purposeClause : PURPOSE IDENT ;
holdoutClause : HOLDOUT (INT | DECIMAL) PERCENT ;
exportClause  : EXPORT path (COMMA path)* ;

path : IDENT (DOT fieldName)* ;

// ---- Outcomes: variants and goals (issue 12; docs/language.md "Goals and variants") ----
// `variant A 50% [message "m"] [cta "c"]`: a variant's own message and cta
// directly follow it. `goal booked within 14 days` or the general form
// `goal any e in events where COND within 14 days`.
variantClause : VARIANT IDENT (INT | DECIMAL) PERCENT (MESSAGE string_)? (CTA string_)? ;
goalClause
  : GOAL IDENT WITHIN additive                                   # goalKind
  | GOAL ANY IDENT IN additive WHERE expr WITHIN additive        # goalAny
  ;

campaignDecl : CAMPAIGN IDENT string_? PRIORITY IDENT (COMMA IDENT)* capClause? ;

// ---- Tests (README "Cohort in CI") -----------------------------------------------
// `test "name" { today D  given {..}  record P {..}  expect ... }`. Only `test`
// is a keyword; `given`, `record`, `expect` and the words of expectations
// (`held out of`, `assigns .. to`, `on`, `unknown`) are identifiers checked by
// the AST builder, so no existing field or segment name becomes reserved.
testDecl : TEST string_ LBRACE testItem* RBRACE ;

testItem
  : TODAY DATE                # testToday
  | IDENT IDENT? fixture      # testFixture
  | IDENT expectation         # testExpect
  ;

fixture      : LBRACE (fixtureField (COMMA fixtureField)* COMMA?)? RBRACE ;
fixtureField : fieldName (DOT fieldName)* COLON fixtureValue ;
fixtureValue
  : MINUS? (INT | DECIMAL)
  | string_
  | DATE
  | TIMESTAMP
  | TRUE
  | FALSE
  | MISSING
  | IDENT
  | LBRACK (fixtureValue (COMMA fixtureValue)* COMMA?)? RBRACK
  | fixture
  ;

// `P in S [channel C [on DATE]]`, `P [not] held out of S`, `C assigns P to S`,
// `S where|exclude N|channel C for P is true|false|unknown`.
expectation
  : IDENT NOT? IN IDENT (CHANNEL IDENT (IDENT DATE)?)?   # expectIn
  | IDENT NOT? IDENT IDENT IDENT IDENT                   # expectWords
  | IDENT clauseRef FOR IDENT IS (TRUE | FALSE | IDENT)  # expectClause
  ;
clauseRef : WHERE | EXCLUDE INT | CHANNEL IDENT ;

// An unterminated string is accepted here so the parse goes on; the AST
// builder reports it (E0003).
string_ : STRING | UNTERMINATED_STRING ;

// ---- Expressions, lowest precedence first ---------------------------------------

expr    : andExpr (OR andExpr)* ;
andExpr : notExpr (AND notExpr)* ;

notExpr
  : NOT notExpr     # notOp
  | quantifier      # quantOp
  | comparison      # compareOp
  ;

// The body extends as far right as possible, like a lambda.
quantifier : q=(ANY | ALL | NO) IDENT IN additive WHERE expr ;

comparison : additive compTail? ;

compTail
  : op=(EQ | NE | LT | LE | GT | GE | BEFORE | AFTER) additive   # binaryTail
  | NOT? IN additive                                         # inTail
  | IS NOT? (MISSING | PRESENT)                              # isTail
  | WITHIN (LAST | NEXT) additive                            # withinTail
  ;

additive       : multiplicative (addOp multiplicative)* ;
addOp          : PLUS | MINUS ;
multiplicative : unary (mulOp unary)* ;
mulOp          : STAR | SLASH ;

unary
  : MINUS unary   # negOp
  | postfix       # postfixOp
  ;

postfix : primary (DOT fieldName)* ;

// After `.`, a keyword is a field name (`e.channel`).
fieldName
  : IDENT | USE | CONST | DEFINE | SEGMENT | WHERE | EXCLUDE | CHANNEL | AFTER
  | IF | MESSAGE | CTA | PURPOSE | HOLDOUT | EXPORT | CAMPAIGN | PRIORITY | AND
  | OR | NOT | ANY | ALL | NO | IN | IS | MISSING | PRESENT | WITHIN | LAST
  | NEXT | BEFORE | COUNT | MIN | MAX | FOR | TODAY | NOW | TRUE | FALSE | TEST
  | VARIANT | GOAL
  | CONTACTED
  ;

primary
  : TRUE                                                          # trueLit
  | FALSE                                                         # falseLit
  | INT IDENT                                                     # durationLit
  | INT                                                           # intLit
  | DECIMAL                                                       # decimalLit
  | string_                                                       # stringLit
  | DATE                                                          # dateLit
  | TIMESTAMP                                                     # timestampLit
  | TODAY                                                         # todayLit
  | NOW                                                           # nowLit
  | LPAREN expr RPAREN                                            # parenExpr
  | LBRACK (expr (COMMA expr)*)? RBRACK                           # listLit
  | COUNT LPAREN IDENT IN additive (WHERE expr)? RPAREN           # countExpr
  | mm=(MIN | MAX) LPAREN expr FOR IDENT IN additive (WHERE expr)? RPAREN  # minMaxExpr
  | IN SEGMENT IDENT                                              # inSegment
  | IDENT LPAREN (expr (COMMA expr)*)? RPAREN                     # callExpr
  | IDENT                                                         # nameExpr
  | contacted                                                     # contactedExpr
  ;

// ---- Contact history and frequency caps (issue 12) -------------------------------
// `contacted [by C] within last N days`: a bool primary, read from the contact
// ledger. `by` is an identifier checked by the AST builder (not reserved).
contacted : CONTACTED (IDENT IDENT)? WITHIN LAST additive ;
// `cap N messages per D days` ends a campaign. Its words are identifiers
// checked by the AST builder (`message` is the clause keyword), so `cap`,
// `messages`, `per` stay usable names.
capClause : IDENT INT (IDENT | MESSAGE) IDENT INT IDENT ;

// ---- Lexer ----------------------------------------------------------------------

USE      : 'use' ;
CONST    : 'const' ;
DEFINE   : 'define' ;
SEGMENT  : 'segment' ;
WHERE    : 'where' ;
EXCLUDE  : 'exclude' ;
CHANNEL  : 'channel' ;
AFTER    : 'after' ;
IF       : 'if' ;
MESSAGE  : 'message' ;
CTA      : 'cta' ;
PURPOSE  : 'purpose' ;
HOLDOUT  : 'holdout' ;
EXPORT   : 'export' ;
CAMPAIGN : 'campaign' ;
PRIORITY : 'priority' ;
AND      : 'and' ;
OR       : 'or' ;
NOT      : 'not' ;
ANY      : 'any' ;
ALL      : 'all' ;
NO       : 'no' ;
IN       : 'in' ;
IS       : 'is' ;
MISSING  : 'missing' ;
PRESENT  : 'present' ;
WITHIN   : 'within' ;
LAST     : 'last' ;
NEXT     : 'next' ;
BEFORE   : 'before' ;
COUNT    : 'count' ;
MIN      : 'min' ;
MAX      : 'max' ;
FOR      : 'for' ;
TODAY    : 'today' ;
NOW      : 'now' ;
TRUE     : 'true' ;
FALSE    : 'false' ;
TEST     : 'test' ;
// Outcomes (issue 12)
VARIANT  : 'variant' ;
GOAL     : 'goal' ;
CONTACTED : 'contacted' ;  // issue 12: contact history

EQ      : '==' ;
NE      : '!=' ;
LE      : '<=' ;
GE      : '>=' ;
LT      : '<' ;
GT      : '>' ;
ASSIGN  : '=' ;
PLUS    : '+' ;
MINUS   : '-' ;
STAR    : '*' ;
SLASH   : '/' ;
PERCENT : '%' ;
LPAREN  : '(' ;
RPAREN  : ')' ;
LBRACK  : '[' ;
RBRACK  : ']' ;
COMMA   : ',' ;
DOT     : '.' ;
LBRACE  : '{' ;
RBRACE  : '}' ;
COLON   : ':' ;

// Shape only; the checker validates the calendar.
TIMESTAMP : D4 '-' D2 '-' D2 'T' D2 ':' D2 ':' D2 ('.' [0-9]+)? ('Z' | [+-] D2 ':' D2) ;
DATE      : D4 '-' D2 '-' D2 ;
DECIMAL   : [0-9]+ '.' [0-9]+ ;
INT       : [0-9]+ ;
IDENT     : [a-zA-Z_] [a-zA-Z_0-9]* ;

STRING              : '"' ( '\\' ~[\r\n] | ~["\\\r\n] )* '"' ;
UNTERMINATED_STRING : '"' ( '\\' ~[\r\n] | ~["\\\r\n] )* '\\'? ;

COMMENT : '#' ~[\r\n]* -> channel(HIDDEN) ;
WS      : [ \t\r\n\f\uFEFF]+ -> skip ;

// Anything else: reported by the AST builder (E0004), invisible to the parser.
ERROR_CHAR : . -> channel(HIDDEN) ;

fragment D2 : [0-9] [0-9] ;
fragment D4 : [0-9] [0-9] [0-9] [0-9] ;
