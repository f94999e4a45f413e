#!/usr/bin/env python3
"""Map examples/synthetic_people output to the columns of the FEBRL PPRL schema
(rec_id,given_name,surname,date_of_birth,address,suburb,postcode), lower-cased, dates as
YYYYMMDD (other formats left empty). Usage: to_pprl_columns.py IN.csv OUT.csv"""
import csv
import sys

with open(sys.argv[1], newline="") as f, open(sys.argv[2], "w", newline="") as g:
    w = csv.writer(g)
    w.writerow(["rec_id", "given_name", "surname", "date_of_birth", "address", "suburb", "postcode"])
    for d in csv.DictReader(f):
        dob = d["date_of_birth"].replace("-", "")
        dob = dob if len(dob) == 8 and dob.isdigit() else ""
        w.writerow([d["id"], d["given_name"].lower(), d["family_name"].lower(), dob,
                    d["street"].lower(), d["city"].lower(), d["postcode"]])
