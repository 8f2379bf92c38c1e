"""The README's troubleshooting table quotes the library's error messages: each quoted piece must
still be what the code says (a reworded message would leave the table pointing at nothing)."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()

# piece of a message quoted in the README's table -> the file whose code writes it
QUOTED = {
    "the training loss became": "lib/train.py",
    "rose to": "lib/train.py",
    "times its start": "lib/train.py",
    "mini-batches in a row": "lib/train.py",
    "the inputs reach": "lib/train.py",
    "but the network expects inputs of order 1": "lib/train.py",
    "has values of magnitude up to": "lib/argcheck.py",
    "beyond what": "lib/argcheck.py",
    "checksum mismatch": "lib/data.py",
    "data file not found": "lib/data.py",
    "the checksum list": "lib/data.py",
    "lists no checksum for": "lib/data.py",
    "could not download": "lib/data.py",
    "the machine may be offline": "lib/data.py",
    "every mirror was too slow": "lib/data.py",
    "git checkout -- data/": "lib/data.py",
    "is incomplete (interrupted clone?): deleting it and cloning again": "tools/setup_cell.py",
}


@pytest.mark.parametrize("piece", list(QUOTED))
def test_the_readme_quotes_what_the_code_says(piece):
    source = (ROOT / QUOTED[piece]).read_text()
    assert piece in source, f"{QUOTED[piece]} no longer writes {piece!r}: update the README's troubleshooting table"
    assert piece in README, f"the README's troubleshooting table does not quote {piece!r}"
