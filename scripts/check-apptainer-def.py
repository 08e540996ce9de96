#!/usr/bin/env python3
"""check-apptainer-def.py DEF [BUILD_DIR]: a syntax check of an Apptainer/Singularity
definition file for machines without apptainer (Debian 12 packages none): the header has
Bootstrap (a known agent) and, for docker/library/oras, From; every section is a known one and
appears once; %post, %runscript and %test are present; the shell sections parse (`sh -n`:
Apptainer runs them with /bin/sh); every %files source exists relative to BUILD_DIR (default:
the current directory, where `apptainer build` would run); %labels lines are "KEY VALUE".
Prints one line per problem as DEF:LINE: message and exits 1 if there is any."""
import os
import subprocess
import sys

AGENTS = {"docker", "library", "oras", "localimage", "shub", "debootstrap", "yum", "zypper",
          "busybox", "scratch", "arch", "docker-daemon", "docker-archive", "oci", "oci-archive"}
NEED_FROM = {"docker", "library", "oras", "localimage", "shub", "docker-daemon",
             "docker-archive", "oci", "oci-archive"}
SECTIONS = {"setup", "files", "environment", "post", "runscript", "startscript", "test",
            "labels", "help", "arguments"}
APP_SECTIONS = {"appinstall", "apphelp", "apprun", "applabels", "appenv", "appfiles",
                "apptest", "appstart"}
SHELL = {"setup", "post", "environment", "runscript", "startscript", "test", "appinstall",
         "apprun", "appenv", "apptest", "appstart"}
REQUIRED = ("post", "runscript", "test")


def check(path, build_dir):
    problems = []
    bad = lambda line, msg: problems.append(f"{path}:{line}: {msg}")
    header, sections, order = {}, {}, []
    cur = None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for no, raw in enumerate(lines, 1):
        if raw.startswith("%"):
            words = raw[1:].split()
            name = words[0] if words else ""
            key = name if name not in APP_SECTIONS else f"{name} {' '.join(words[1:2])}"
            if name not in SECTIONS and name not in APP_SECTIONS:
                bad(no, f"unknown section %{name}")
            elif name in APP_SECTIONS and len(words) < 2:
                bad(no, f"%{name} needs an app name")
            elif key in sections:
                bad(no, f"section %{key} repeated (first at line {sections[key][0]})")
            cur = key
            sections[cur] = (no, [])
            order.append(cur)
            continue
        if cur is None:
            text = raw.strip()
            if not text or text.startswith("#"):
                continue
            if ":" not in text:
                bad(no, f"header line is not 'Key: value': {text!r}")
                continue
            k, v = text.split(":", 1)
            header[k.strip().lower()] = (no, v.strip())
        else:
            sections[cur][1].append((no, raw))
    agent = header.get("bootstrap", (0, ""))[1]
    if not agent:
        bad(1, "no 'Bootstrap:' header")
    elif agent not in AGENTS:
        bad(header["bootstrap"][0], f"unknown bootstrap agent {agent!r}")
    elif agent in NEED_FROM and not header.get("from", (0, ""))[1]:
        bad(header["bootstrap"][0], f"Bootstrap: {agent} needs a 'From:' header")
    for name in REQUIRED:
        if name not in sections:
            bad(len(lines), f"no %{name} section")
    for key, (start, body) in sections.items():
        name = key.split()[0]
        text = "\n".join(raw for _, raw in body)
        if name in SHELL:
            r = subprocess.run(["sh", "-n"], input=text, capture_output=True, text=True)
            if r.returncode != 0:
                for msg in r.stderr.strip().splitlines():
                    bad(start, f"%{key}: sh -n: {msg}")
        if name in ("files", "appfiles"):
            for no, raw in body:
                words = raw.split()
                if not words or words[0].startswith("#"):
                    continue
                src = words[0]
                if len(words) > 2 and not (len(words) == 3 and words[0] == "from"):
                    bad(no, f"%files line has more than 'SOURCE [DEST]': {raw.strip()!r}")
                if not os.path.exists(os.path.join(build_dir, src)):
                    bad(no, f"%files source {src!r} does not exist in {build_dir}")
        if name in ("labels", "applabels"):
            for no, raw in body:
                text = raw.strip()
                if text and not text.startswith("#") and len(text.split(None, 1)) < 2:
                    bad(no, f"%labels line is not 'KEY VALUE': {text!r}")
    return problems


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.split("\n")[0], file=sys.stderr)
        return 2
    problems = check(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else ".")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
