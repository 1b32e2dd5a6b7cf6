# Reading a committed rankflow folder from shell scripts, through its _SUCCESS manifest (committed
# files carry the commit attempt in their names: part-00000-rf0123456789ab.csv). Source it:
#   source scripts/lib/manifest.sh
#   manifest_files DIR          # one line per listed file: logical name, file, bytes, records
#   committed_file DIR NAME     # DIR/<file> of the file listed as NAME; exit 1 if none
# Needs python3 (standard library only).

manifest_files() {
  python3 - "$1" <<'PY'
import json, sys
for f in json.load(open(sys.argv[1] + "/_SUCCESS"))["files"]:
    print(f"{f['name']:<24} {f.get('file', f['name']):<40} {f['bytes']:>12} bytes {f.get('records', 0):>10} records")
PY
}

committed_file() {
  python3 - "$1" "$2" <<'PY'
import json, sys
folder, name = sys.argv[1], sys.argv[2]
for f in json.load(open(folder + "/_SUCCESS"))["files"]:
    if f.get("name") == name:
        print(folder + "/" + f["file"])
        sys.exit(0)
sys.exit(f"{folder}/_SUCCESS lists no file named {name}")
PY
}
