"""lib.exercises: the checks behind the notebooks' exercises (not part of the library proper).

    checks.py        the machinery: call the reader's function, compare, print ✅/❌ (verdict)
    overfitting.py   chapter 1's checks      penalties.py   chapter 2's checks
    dropout.py       chapter 3's checks      choosing.py    chapter 4's checks

A notebook imports its chapter's checks, e.g. `from lib.exercises.penalties import check_l1_subgradient`.
Each check runs the reader's code on hidden cases, prints ✅ or ❌ with a specific diagnosis and
returns True or False; it never raises.
"""
