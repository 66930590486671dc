"""Offline stand-in for the get-pip script that ansible-test downloads.

ansible-test bootstraps pip in its sanity/unit venvs by running a get-pip
script fetched from a host this build cannot reach. This stand-in does the
same with the interpreter's bundled pip: ensurepip, then install the pinned
packages ansible-test asks for (its arguments, minus get-pip's own flags).
"""
import subprocess
import sys

GET_PIP_ONLY_FLAGS = {"--no-setuptools", "--no-wheel"}

args = [a for a in sys.argv[1:] if a not in GET_PIP_ONLY_FLAGS]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade"])
subprocess.check_call([sys.executable, "-m", "pip", "install", "--upgrade", "--force-reinstall"] + args)
