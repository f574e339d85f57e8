#!/bin/sh
# A virtual environment on Debian's python3 that sees Debian's packages (python3-pytest,
# python3-boto3) with gatehouse-testing installed into it offline, as docs/testing.md tells users.
# usage: install-venv.sh PYTHON3 VENV_DIR
set -eu
python=$1
venv=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$venv"
"$python" -m venv --system-site-packages "$venv"
# pip builds in the source tree (build/, *.egg-info): build a copy.
mkdir -p "$venv/src"
cp -R "$here/pyproject.toml" "$here/README.md" "$here/src" "$venv/src/"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-build-isolation --no-index "$venv/src"
"$venv/bin/python" -c "import gatehouse_testing, boto3, pytest; print('gatehouse-testing', gatehouse_testing.__version__, 'boto3', boto3.__version__, 'pytest', pytest.__version__)"
