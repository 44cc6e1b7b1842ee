echo 'acme:{"message":"Disk 3 at 91%","level":"warn","service":"storage"}' |
  kcat -P -b localhost:9094 -t logs.raw -K:
