"""Prints {member name: SHA-256} of a ZIP file as JSON. Usage: zip_hashes.py FILE."""
import hashlib
import json
import sys
import zipfile

with zipfile.ZipFile(sys.argv[1]) as archive:
    json.dump({name: hashlib.sha256(archive.read(name)).hexdigest()
               for name in archive.namelist() if not name.endswith("/")}, sys.stdout)
