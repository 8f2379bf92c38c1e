"""Show a widget together with a still picture of it, for places where widgets cannot run.

A widget's output in a notebook holds only a reference to a model in the running kernel.  GitHub,
nbviewer, exported HTML and slides have no kernel, so they show the text `VBox(children=...)`.
`show(widget, png, text)` displays one output with three forms of the same thing:

    application/vnd.jupyter.widget-view+json   the live widget (JupyterLab, Notebook, VS Code, Colab)
    image/png                                  a still picture (every front end without a kernel)
    text/plain                                 one line for a terminal

Each front end shows the richest form it can.  `show` returns a handle; `handle.update(...)`, with
the same arguments, replaces the picture later (e.g. when training has finished).  Works with
ipywidgets 7.7 and 8.
"""
import base64
import io

from PIL import Image


def bundle(widget, png, text):
    """{mimetype: data} for IPython's display(..., raw=True): widget view, PNG (bytes) and text."""
    data = {"text/plain": text,
            "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0,
                                                         "model_id": widget.model_id}}
    if png:
        data["image/png"] = base64.b64encode(small_png(png)).decode("ascii")
    return data


def small_png(png):
    """The same picture, compressed as well as PNG allows (it is stored in the notebook)."""
    buffer = io.BytesIO()
    Image.open(io.BytesIO(png)).save(buffer, format="png", optimize=True)
    return min(png, buffer.getvalue(), key=len)


class Shown:
    """The handle of a displayed widget: update(png, text) replaces its still picture."""

    def __init__(self, widget, png, text):
        from IPython.display import display
        self.widget = widget
        self.handle = display(bundle(widget, png, text), raw=True, display_id=True)

    def update(self, png, text):
        if self.handle is not None:
            self.handle.update(bundle(self.widget, png, text), raw=True)


def show(widget, png, text):
    """Display `widget` with a still PNG of it (bytes) and a line of text; returns a Shown."""
    return Shown(widget, png, text)
