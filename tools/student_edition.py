"""Write the student edition of the chapters: every exercise solution replaced by a stub.

    python tools/student_edition.py                  # all chapters -> student/
    python tools/student_edition.py notebooks/02_l1_l2_penalties.ipynb
    python tools/student_edition.py --keep-outputs   # keep the figures of non-exercise cells

An exercise is a code cell with a solution between marker lines (CONTRIBUTING.md, "Exercises"):

    def l2_gradient(W, lam):
        \"\"\"d/dW of 0.5 * lam * sum(W**2).\"\"\"
        ### BEGIN SOLUTION hint: differentiate 0.5 * lam * W**2 for one weight
        return lam * W
        ### END SOLUTION

In the student edition the lines from BEGIN to END (markers included) become

        # YOUR CODE HERE (then run the check below)
        raise NotImplementedError("differentiate 0.5 * lam * W**2 for one weight")

at the indentation of the BEGIN line, so the signature, the docstring and anything else outside
the markers stay as they are.  The hint may also be written `[hint: ...]`; it is optional.
A cell may hold several solution blocks (say, two methods of one class).

The student edition holds no outputs (students run every cell themselves, and stored outputs
would show the solutions' ✅); `--keep-outputs` keeps them except in exercise and check cells.
`# NBVAL_CHECK_OUTPUT` lines, which are only for the test suite, are removed.

It is written to student/ (gitignored) beside lib/ and data/: the notebooks' setup cell finds
the library at ../lib, so the folder must stay in the repository root.

It never destroys work (student/ is gitignored, so git could not bring a notebook back):
  - a file in the output folder that differs from what would be written (say, a notebook a
    student has worked in) is left alone and the tool stops, naming it; with --force it is first
    copied to NN_name.backup-YYYYMMDD-HHMMSS.ipynb beside it and then replaced;
  - it refuses to write into notebooks/ or onto any of its own inputs;
  - it refuses a student notebook as input (a notebook with stubs and no solution markers).

Malformed markers (BEGIN without END, END without BEGIN, nested BEGIN, a misspelt marker, an
empty solution, markers outside the function body) stop the tool with a message that names the
notebook, the cell and the line; nothing is written until every notebook is well-formed.
"""
import argparse
import ast
import copy
import re
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Any comment line that mentions BEGIN/END SOLUTION, however it is spelt, so that a misspelt
# marker is reported instead of silently leaking a solution into the student edition.
_ANY_MARKER = re.compile(r"^[ \t]*#.*\b(BEGIN|END)[ _]*SOLUTIONS?\b", re.IGNORECASE)
_MARKER = re.compile(r"^(?P<indent>[ \t]*)### (?P<kind>BEGIN|END) SOLUTION(?P<rest>(?:\s.*)?)$")
_HINT = re.compile(r"^\s*(?:\[\s*hint:\s*(?P<bracketed>.*?)\s*\]|hint:\s*(?P<plain>.*?))\s*$")
_CHECK_OUTPUT = re.compile(r"^[ \t]*#[ \t]*NBVAL_CHECK_OUTPUT[ \t]*\n?", re.MULTILINE)
STUB_COMMENT = "# YOUR CODE HERE (then run the check below)"

STUDENT_NOTE = (
    "> **Student edition.** In each exercise the solution has been replaced by "
    "`raise NotImplementedError(\"<hint>\")`. Replace that line with your code, then run the "
    "check cell below the exercise: it tests your function on hidden cases and says what is "
    "wrong (❌) or that it is right (✅). Run the cells from the top so that everything the "
    "exercises need is defined."
)


class MarkerError(ValueError):
    """A solution marker is malformed; the message names the notebook, the cell and the line."""


class StudentNotebookError(ValueError):
    """The input is a student edition (stubs, no solutions): there is nothing to strip."""


@dataclass
class Block:
    """One solution block: lines begin..end (0-based, both markers included) of a cell."""
    begin: int
    end: int
    indent: str
    hint: str


@dataclass
class Exercise:
    """An exercise cell of a notebook and the check cell that follows it (if any)."""
    notebook: str                 # the notebook's name, for messages
    index: int                    # index of the exercise cell in nb.cells
    solution_source: str          # the cell as written (with markers)
    stub_source: str              # the cell in the student edition
    blocks: list = field(default_factory=list)
    names: list = field(default_factory=list)       # top-level functions/classes the cell defines
    check_index: int = None       # index of the check cell, None if the next cell is not one
    check_source: str = None      # the check call, e.g. "check_l2_gradient(l2_gradient)"

    @property
    def where(self):
        return describe_cell(self.notebook, self.index, self.solution_source)

    @property
    def hints(self):
        return [b.hint for b in self.blocks]

    def replace_blocks(self, body):
        """The cell with each solution block replaced by `body` (a str, indented like BEGIN)."""
        return _replace(self.solution_source.splitlines(), self.blocks,
                        lambda block: [block.indent + line for line in body.splitlines()])


def describe_cell(notebook, index, source):
    """'notebooks/x.ipynb, cell 12 (starts `def f(x):`)' for error messages."""
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    if len(first) > 60:
        first = first[:57] + "..."
    return f"{notebook}, cell {index + 1} (starts `{first}`)"


def py_string(text):
    """A Python string literal for `text`, with double quotes when that needs no escaping."""
    if '"' not in text and "\\" not in text and "\n" not in text:
        return f'"{text}"'
    return repr(text)


def stub_lines(block):
    """The lines that replace a solution block in the student edition."""
    message = py_string(block.hint) if block.hint else ""
    return [f"{block.indent}{STUB_COMMENT}",
            f"{block.indent}raise NotImplementedError({message})"]


def _replace(lines, blocks, make):
    out, start = [], 0
    for block in blocks:
        out.extend(lines[start:block.begin])
        out.extend(make(block))
        start = block.end + 1
    out.extend(lines[start:])
    return "\n".join(out)


def parse_blocks(source, where):
    """The solution blocks of a cell's source; MarkerError if the markers are malformed."""
    blocks, open_block = [], None
    for number, line in enumerate(source.splitlines()):
        if not _ANY_MARKER.match(line):
            continue
        at = f"{where}, line {number + 1}"
        m = _MARKER.match(line)
        if m is None:
            raise MarkerError(f"{at}: malformed marker {line.strip()!r}; write exactly "
                              f"'### BEGIN SOLUTION' (optionally followed by 'hint: ...') or "
                              f"'### END SOLUTION'")
        kind, indent, rest = m["kind"], m["indent"], m["rest"]
        if kind == "BEGIN":
            if open_block is not None:
                raise MarkerError(f"{at}: ### BEGIN SOLUTION inside the solution begun on line "
                                  f"{open_block.begin + 1} (nested); close it with "
                                  f"### END SOLUTION first")
            hint = ""
            if rest.strip():
                h = _HINT.match(rest)
                if h is None:
                    raise MarkerError(f"{at}: after '### BEGIN SOLUTION' only a hint may follow, "
                                      f"written 'hint: ...' or '[hint: ...]'; got {rest.strip()!r}")
                hint = h["bracketed"] if h["bracketed"] is not None else h["plain"]
                if not hint:
                    raise MarkerError(f"{at}: the hint is empty; write a hint after 'hint:' or "
                                      f"leave it out")
            open_block = Block(number, None, indent, hint)
        else:
            if open_block is None:
                raise MarkerError(f"{at}: ### END SOLUTION without a ### BEGIN SOLUTION before it")
            if rest.strip():
                raise MarkerError(f"{at}: nothing may follow '### END SOLUTION'; got {rest.strip()!r}")
            if indent != open_block.indent:
                raise MarkerError(f"{at}: ### END SOLUTION is indented differently from its "
                                  f"### BEGIN SOLUTION on line {open_block.begin + 1}")
            open_block.end = number
            body = source.splitlines()[open_block.begin + 1:number]
            if not any(b.strip() and not b.strip().startswith("#") for b in body):
                raise MarkerError(f"{where}, lines {open_block.begin + 1}-{number + 1}: the solution "
                                  f"between the markers is empty")
            blocks.append(open_block)
            open_block = None
    if open_block is not None:
        raise MarkerError(f"{where}, line {open_block.begin + 1}: ### BEGIN SOLUTION without a "
                          f"### END SOLUTION after it")
    return blocks


def defined_names(tree):
    """Top-level functions and classes defined by a parsed cell, in order."""
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]


def is_import_cell(cell):
    """A code cell that mostly imports (at least 3/4 of its top-level statements; the rest may
    load the data) and shows no figure: a chapter's import cell."""
    if cell.cell_type != "code":
        return False
    try:
        body = ast.parse(cell.source).body
    except SyntaxError:
        return False
    imports = sum(isinstance(node, (ast.Import, ast.ImportFrom)) for node in body)
    figures = any("image/png" in o.get("data", {}) for o in cell.get("outputs", []))
    return bool(body) and imports >= 0.75 * len(body) and not figures


def check_call(source):
    """The check call of a check cell ('check_x(f)'), or None if the cell is not one.

    A check cell holds a single expression that calls a function named check_...; comments and
    a trailing semicolon are allowed."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return None
    call = tree.body[0].value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id.startswith("check_")):
        return None
    return ast.unparse(call)


def find_exercises(nb, notebook="notebook"):
    """The exercises of a notebook (nbformat v4 object), in order; MarkerError if malformed."""
    exercises = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = describe_cell(notebook, index, cell.source)
        blocks = parse_blocks(cell.source, where)
        if not blocks:
            continue
        stub = _replace(cell.source.splitlines(), blocks, stub_lines)
        names = []
        for label, text in (("solution", cell.source), ("student stub", stub)):
            try:
                tree = ast.parse(text)
            except SyntaxError as e:
                raise MarkerError(f"{where}: the {label} is not valid Python ({e.msg}, line "
                                  f"{e.lineno}); put the markers inside the function body, at "
                                  f"its indentation") from None
            names.append(defined_names(tree))
        if not names[0]:
            raise MarkerError(f"{where}: an exercise cell must define a function (or class) for "
                              f"its check to test; this one defines none")
        if names[0] != names[1]:
            raise MarkerError(f"{where}: the student stub would not define "
                              f"{sorted(set(names[0]) - set(names[1]))}; put the markers inside "
                              f"the function body so that its signature and docstring stay")
        ex = Exercise(notebook, index, cell.source, stub, blocks, names[0])
        nxt = nb.cells[index + 1] if index + 1 < len(nb.cells) else None
        if nxt is not None and nxt.cell_type == "code":
            call = check_call(nxt.source)
            if call is not None:
                ex.check_index, ex.check_source = index + 1, call
        exercises.append(ex)
    return exercises


def is_student_notebook(nb):
    """True if `nb` looks like a student edition: it carries the student-edition note or a stub
    line, and no solution markers."""
    if any(c.cell_type == "code" and any(_ANY_MARKER.match(line) for line in c.source.splitlines())
           for c in nb.cells):
        return False
    return any((c.cell_type == "markdown" and c.source.startswith("> **Student edition.**"))
               or (c.cell_type == "code" and STUB_COMMENT in c.source) for c in nb.cells)


def student_notebook(nb, notebook="notebook", keep_outputs=False):
    """A student-edition copy of `nb` and its exercises; `nb` itself is not changed.

    StudentNotebookError if `nb` is itself a student edition."""
    if is_student_notebook(nb):
        raise StudentNotebookError(
            f"{notebook} is a student edition (it has stubs and no ### BEGIN SOLUTION markers), "
            f"so there are no solutions to strip and converting it would erase the student's "
            f"outputs; give the chapters in notebooks/ as input instead")
    exercises = find_exercises(nb, notebook)
    out = copy.deepcopy(nb)
    exercise_cells = {ex.index for ex in exercises} | {ex.check_index for ex in exercises}
    for ex in exercises:
        out.cells[ex.index].source = ex.stub_source
    for index, cell in enumerate(out.cells):
        if cell.cell_type != "code":
            continue
        cell.source = _CHECK_OUTPUT.sub("", cell.source)
        if not keep_outputs or index in exercise_cells:
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
    out.metadata.pop("widgets", None)          # saved widget state would be stale
    if exercises:
        import nbformat
        note = nbformat.v4.new_markdown_cell(STUDENT_NOTE)
        note.metadata["slideshow"] = {"slide_type": "skip"}
        if "id" in note:
            note.id = "student-edition-note"    # not random: a re-run writes the same file
        first_md = next((i for i, c in enumerate(out.cells) if c.cell_type == "markdown"), -1)
        out.cells.insert(first_md + 1, note)
    return out, exercises


def chapter_paths():
    """The chapters: notebooks/NN_*.ipynb in order."""
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def main(argv=None):
    import nbformat
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to convert (default: all of notebooks/NN_*.ipynb)")
    parser.add_argument("--out", type=Path, default=ROOT / "student",
                        help="output folder (default: student/ in the repository root); "
                             "never notebooks/")
    parser.add_argument("--keep-outputs", action="store_true",
                        help="keep the outputs of cells other than exercises and their checks")
    parser.add_argument("--force", action="store_true",
                        help="replace files in the output folder that differ from the new "
                             "edition (a student's work, say), each after a timestamped backup "
                             "beside it")
    args = parser.parse_args(argv)
    paths = args.notebooks or chapter_paths()
    if not paths:
        parser.error(f"no notebooks given and none found in {ROOT / 'notebooks'}")

    out = args.out.resolve()
    chapters = (ROOT / "notebooks").resolve()
    if out == chapters or chapters in out.parents:
        return _refuse([f"--out {args.out} is inside {_display(chapters)}/, which holds the "
                        f"chapters with their solutions; write the student edition elsewhere "
                        f"(the default is student/)"])

    results, errors = [], []
    for path in paths:
        if not path.is_file():
            errors.append(f"{path}: no such notebook")
            continue
        name = _display(path)
        try:
            nb = nbformat.read(path, as_version=4)
            result = (path, *student_notebook(nb, name, args.keep_outputs))
        except (MarkerError, StudentNotebookError) as e:
            errors.append(str(e))
            continue
        except Exception as e:      # unreadable JSON and the like
            errors.append(f"{name}: cannot read the notebook: {type(e).__name__}: {e}")
            continue
        target = out / path.name
        if target.resolve() in {Path(p).resolve() for p in paths}:
            errors.append(f"{name}: the output {_display(target)} would overwrite an input; "
                          f"choose another --out folder")
            continue
        results.append(result)
    if errors:
        return _refuse(errors)

    texts = [(out / path.name, nbformat.writes(nb).rstrip("\n") + "\n") for path, nb, _ in results]
    changed = [target for target, text in texts
               if target.exists() and target.read_text(encoding="utf-8") != text]
    if changed and not args.force:
        return _refuse([f"{_display(t)} exists and differs from the new student edition (a "
                        f"student's work?); it was left alone. To replace it, run again with "
                        f"--force: a copy is first kept as {t.stem}.backup-<date>-<time>"
                        f"{t.suffix} beside it"
                        for t in changed])

    out.mkdir(parents=True, exist_ok=True)
    for (target, text), (path, nb, exercises) in zip(texts, results):
        if target in changed:
            backup = backup_name(target)
            shutil.copy2(target, backup)
            print(f"{_display(target)}: kept the previous version as {_display(backup)}")
        target.write_text(text, encoding="utf-8")
        names = ", ".join(n for ex in exercises for n in ex.names) or "none"
        print(f"{_display(target)}: {len(exercises)} exercise(s) stubbed ({names})")
        for ex in exercises:
            if ex.check_source is None:
                print(f"  warning: {ex.where} is not followed by a check cell "
                      f"(a one-line call of a check_... function)", file=sys.stderr)
    return 0


def backup_name(target, now=None):
    """target's backup beside it: NN_name.backup-YYYYMMDD-HHMMSS.ipynb (-2, -3, ... if taken)."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    backup = target.with_name(f"{target.stem}.backup-{stamp}{target.suffix}")
    number = 2
    while backup.exists():
        backup = target.with_name(f"{target.stem}.backup-{stamp}-{number}{target.suffix}")
        number += 1
    return backup


def _refuse(errors):
    for message in errors:
        print("error:", message, file=sys.stderr)
    print(f"nothing written: fix the {len(errors)} error(s) above", file=sys.stderr)
    return 1


def _display(path):
    path = Path(path).resolve()
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
