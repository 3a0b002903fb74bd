#!/usr/bin/env bash
# Regenerates the small referral-provider sample data in examples/data-providers/
# (deterministic: awk's srand(42)). Dates are spread before 2026-11-23.
set -euo pipefail
cd "$(dirname "$0")/.."
out=examples/data-providers
mkdir -p "$out"
awk -v out="$out" -v today=20780 'BEGIN{
  srand(42);
  split("family_medicine internal_medicine pediatrics obgyn cardiology orthopedics oncology behavioral_health other",sp," ");
  split("MA MA MA NH RI CT ME VT",st," ");
  split("Avery Brooks Chen Diaz Evans Farah Garcia Huang Ito Jones Kim Lopez Moreau Nguyen Okafor Patel",nm," ");
  split("received scheduled seen declined lost",rs," ");
  split("cardiology orthopedics primary_care oncology dermatology",sl," ");
  P=out "/providers.csv"; R=out "/referrals.csv";
  print "npi,name,specialty,practice_state,practice_zip,accepts_new_patients,in_network,last_referral_date,referral_count_12mo,referrals_prior_12m,leakage_rate,liaison,sanctions,ok_to_email,ok_to_call,ok_to_mail,ok_to_fax" > P;
  print "provider_npi,received_at,status,service_line,urgent" > R;
  for (i=1;i<=60;i++) {
    npi=sprintf("1%09d", 100000000+i*7919);
    name="\"" nm[int(rand()*16)+1] ", " substr("ABCDEFGHJKLMNP",int(rand()*14)+1,1) ". MD\"";
    spec=sp[int(rand()*9)+1]; s=st[int(rand()*8)+1]; zip=(rand()<0.1)?"":sprintf("0%04d",1000+int(rand()*8000));
    r12=int(rand()*14); rp=int(rand()*14);
    days=int(rand()*300); last=(r12==0 && rand()<0.5)?"":date(today-days);
    leak=(rand()<0.2)?"":sprintf("%.2f",rand()*0.6);
    li=(rand()<0.3)?"":nm[int(rand()*16)+1];
    san=(rand()<0.05)?"OIG-2024-17":"";
    print npi "," name "," spec "," s "," zip "," tf(rand()<0.8) "," tf(rand()<0.6) "," last "," r12 "," rp "," leak "," li "," san "," c() "," c() "," c() "," c() >> P;
    n=int(rand()*5);
    for (k=0;k<n;k++) {
      d=today-int(rand()*400);
      print npi "," date(d) "T" sprintf("%02d:%02d:00Z",8+int(rand()*10),int(rand()*60)) "," rs[int(rand()*5)+1] "," ((rand()<0.2)?"":sl[int(rand()*5)+1]) "," ((rand()<0.3)?"":tf(rand()<0.3)) >> R;
    }
    if (i % 7 == 0) print npi "," date(today-3) "T09:30:00Z,received,cardiology,true" >> R;
  }
  print "1999999999,2026-11-20T09:00:00Z,received,cardiology,true" >> R;  # matches no provider
}
function tf(b){ return b?"true":"false" }
function c(){ r=rand(); return r<0.75?"true":(r<0.9?"false":"") }
function date(z,   era,doe,yoe,y,doy,mp,d,m){ z+=719468; era=int(z/146097); doe=z-era*146097; yoe=int((doe-int(doe/1460)+int(doe/36524)-int(doe/146096))/365); y=yoe+era*400; doy=doe-(365*yoe+int(yoe/4)-int(yoe/100)); mp=int((5*doy+2)/153); d=doy-int((153*mp+2)/5)+1; m=mp<10?mp+3:mp-9; y+=(m<=2); return sprintf("%04d-%02d-%02d",y,m,d) }'
