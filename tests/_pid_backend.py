"""A PDF backend that writes the id of the process it ran in, for the tests of how the
build hands documents to its worker processes (imported there by name)."""
import os
from pathlib import Path


def write_pdf(markdown, out_path, meta, resource_dir=None):
    Path(out_path).write_text(str(os.getpid()))
