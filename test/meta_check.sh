#!/usr/bin/env bash
# META.json against the PGXN meta spec 1.0.0 (https://pgxn.org/meta/spec.txt):
# the required keys and the shape of every key we use, the extension's
# version equal to default_version in the control file, and the PostgreSQL
# range equal to the one src/pg/compat.hpp accepts. No server, no network.
#   bash test/meta_check.sh        (ends with "N passed, M failed")
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - <<'PY'
import json, os, re, sys

passed = failed = 0
def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"PASS {name}")
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""))

# The spec's patterns (PGXN's JSON schemas for v1, in Python's syntax).
SEMVER = (r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
          r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
          r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?")
OP = r"(?:(?:[=!]=|[<>]=?)\s*)?"
RANGE = rf"^{OP}(?:{SEMVER}|0)(?:,\s*{OP}{SEMVER})*$"
TERM = r"^[^/\\\s\x00-\x1f\x7f]{2,}$"
TAG = r"^[^/\\\x00-\x1f\x7f]{2,255}$"
LICENSES = {"agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd", "freebsd",
            "gfdl_1_2", "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1", "lgpl_3_0", "mit",
            "mozilla_1_0", "mozilla_1_1", "openssl", "perl_5", "postgresql", "qpl_1_0", "ssleay",
            "sun", "zlib", "open_source", "restricted", "unrestricted", "unknown"}
KNOWN = {"name", "version", "abstract", "maintainer", "license", "provides", "meta-spec",
         "description", "generated_by", "tags", "no_index", "prereqs", "release_status",
         "resources"}
def nonempty_str(v):
    return isinstance(v, str) and len(v) > 0
def semver(v):
    return isinstance(v, str) and re.fullmatch(SEMVER, v) is not None
def is_uri(v):
    return isinstance(v, str) and re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", v) is not None
def is_email(v):
    return isinstance(v, str) and re.fullmatch(r"[^@\s]+@[^@\s]+", v) is not None

try:
    meta = json.load(open("META.json", encoding="utf-8"))
    check("META.json is a JSON object", isinstance(meta, dict))
except (OSError, ValueError) as e:
    check("META.json is valid JSON", False, str(e))
    print(f"{passed} passed, {failed} failed")
    sys.exit(1)

for key in ["name", "abstract", "version", "maintainer", "license", "provides", "meta-spec"]:
    check(f"required key {key}", key in meta)
extra = sorted(k for k in meta if k not in KNOWN and not re.match(r"^[xX]_.", k))
check("no key outside the spec (custom keys start with x_)", not extra, ", ".join(extra))

control = open("selegic_drift.control", encoding="utf-8").read()
m = re.search(r"^default_version\s*=\s*'([^']*)'", control, re.M)
default_version = m.group(1) if m else None
# PGXN versions are SemVer (three parts); the control file's '1.1' is 1.1.0.
expected = default_version + ".0" * (2 - default_version.count(".")) if default_version else None

check("name is a term", isinstance(meta.get("name"), str) and re.match(TERM, meta["name"]) is not None)
check("abstract is a non-empty string", nonempty_str(meta.get("abstract")))
check("version is a semantic version", semver(meta.get("version")), repr(meta.get("version")))
check(f"version is default_version of the control file ({default_version} -> {expected})",
      meta.get("version") == expected, repr(meta.get("version")))
mt = meta.get("maintainer")
check("maintainer is a string or a list of strings",
      nonempty_str(mt) or (isinstance(mt, list) and mt and all(nonempty_str(x) for x in mt)))
lic = meta.get("license")
check("license is a known shortcut, a list of them, or names to URIs",
      (isinstance(lic, str) and lic in LICENSES)
      or (isinstance(lic, list) and lic and all(x in LICENSES for x in lic))
      or (isinstance(lic, dict) and lic and all(is_uri(u) for u in lic.values())))

prov = meta.get("provides")
check("provides is a non-empty object", isinstance(prov, dict) and len(prov) > 0)
if isinstance(prov, dict):
    check("provides names the extension selegic_drift", "selegic_drift" in prov)
    for ext, d in prov.items():
        check(f"provides.{ext}: name is a term", re.match(TERM, ext) is not None)
        if not isinstance(d, dict):
            check(f"provides.{ext} is an object", False)
            continue
        check(f"provides.{ext}: file and version", "file" in d and "version" in d)
        bad = sorted(k for k in d if k not in {"file", "version", "abstract", "docfile"}
                     and not re.match(r"^[xX]_.", k))
        check(f"provides.{ext}: no other keys", not bad, ", ".join(bad))
        check(f"provides.{ext}: file exists", nonempty_str(d.get("file")) and os.path.isfile(d["file"]),
              repr(d.get("file")))
        if "docfile" in d:
            check(f"provides.{ext}: docfile exists", os.path.isfile(d["docfile"]), repr(d["docfile"]))
        if "abstract" in d:
            check(f"provides.{ext}: abstract is a non-empty string", nonempty_str(d["abstract"]))
        check(f"provides.{ext}: version is a semantic version", semver(d.get("version")))
        if ext == "selegic_drift":
            check(f"provides.{ext}: version is the distribution's", d.get("version") == meta.get("version"))

ms = meta.get("meta-spec")
check("meta-spec.version is 1.0.x", isinstance(ms, dict) and re.fullmatch(r"1\.0\.\d+", str(ms.get("version"))) is not None)
if isinstance(ms, dict) and "url" in ms:
    check("meta-spec.url is the spec's", ms["url"] in {"https://pgxn.org/meta/spec.txt", "http://pgxn.org/meta/spec.txt"})

if "description" in meta:
    check("description is a non-empty string", nonempty_str(meta["description"]))
if "release_status" in meta:
    check("release_status is stable, testing or unstable", meta["release_status"] in {"stable", "testing", "unstable"})
if "tags" in meta:
    t = meta["tags"]
    check("tags is a non-empty list of tags",
          isinstance(t, list) and t and all(isinstance(x, str) and re.match(TAG, x) for x in t))
if "resources" in meta:
    r = meta["resources"]
    ok = isinstance(r, dict) and len(r) > 0 and all(k in {"homepage", "bugtracker", "repository"} or re.match(r"^[xX]_", k) for k in r)
    if ok and "homepage" in r:
        ok = is_uri(r["homepage"])
    if ok and "bugtracker" in r:
        b = r["bugtracker"]
        ok = isinstance(b, dict) and ("web" in b or "mailto" in b) and set(b) <= {"web", "mailto"} \
            and is_uri(b.get("web", "x:y")) and is_email(b.get("mailto", "a@b"))
    if ok and "repository" in r:
        p = r["repository"]
        ok = isinstance(p, dict) and ("web" in p or ("url" in p and "type" in p)) \
            and set(p) <= {"url", "web", "type"} and all(is_uri(p[k]) for k in ("url", "web") if k in p)
    check("resources: homepage, bugtracker, repository as the spec has them", ok)

pr = meta.get("prereqs")
if pr is not None:
    shape = isinstance(pr, dict) and pr and all(
        k in {"configure", "build", "test", "runtime", "develop"} and isinstance(ph, dict) and ph and all(
            rel in {"requires", "recommends", "suggests", "conflicts"} and isinstance(deps, dict) and deps and all(
                re.match(TERM, n) and (v == 0 or (isinstance(v, str) and re.match(RANGE, v)))
                for n, v in deps.items())
            for rel, deps in ph.items())
        for k, ph in pr.items())
    check("prereqs: phases, relationships and version ranges", bool(shape))
    # The range the code accepts: compat.hpp refuses to build outside it.
    compat = open("src/pg/compat.hpp", encoding="utf-8").read()
    g = re.search(r"#if PG_VERSION_NUM < (\d+)0000 \|\| PG_VERSION_NUM >= (\d+)0000", compat)
    want = f">= {g.group(1)}.0.0, < {g.group(2)}.0.0" if g else None
    got = pr.get("runtime", {}).get("requires", {}).get("PostgreSQL") if isinstance(pr, dict) else None
    check(f"prereqs: PostgreSQL {want}, as src/pg/compat.hpp", got == want, repr(got))

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
