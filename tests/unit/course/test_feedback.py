"""Feedback pages carry their formulas as MathML and load no script for them (dlcourse/course/feedback.py)."""

import re
from pathlib import Path

import nbformat
from nbconvert.exporters import HTMLExporter
from traitlets.config import Config

import dlcourse.course
from dlcourse.course.feedback import FeedbackExporter, mathml

TEMPLATES = str(Path(dlcourse.course.__file__).parent / "html_templates")
MARKDOWN = (
    "The sigmoid $\\sigma(x) = \\frac{1}{1 + e^{-x}}$ of a score $z$:\n\n"
    "$$\\sigma\\left(\\begin{bmatrix} x_1 \\\\ x_n \\end{bmatrix}\\right)$$\n\n"
    "\\begin{align}a &= b\\end{align}\n\n"
    "Prices in dollars stay text: \\$5."
)


def page(exporter_class):
    config = Config()
    config.HTMLExporter.template_name = "classic"
    config.HTMLExporter.extra_template_basedirs = [TEMPLATES]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(MARKDOWN)])
    return exporter_class(config=config).from_notebook_node(notebook)[0]


def test_formulas_are_written_out_and_no_mathjax_is_loaded():
    html = page(FeedbackExporter)
    assert html.count("<math ") == 4 and "<mfrac>" in html and 'display="block"' in html
    assert "$" not in html.replace("\\$5", "").replace("$5", "") and "\\frac" not in html
    assert "x-mathjax-config" not in html and not re.search(r"<script[^>]*src=[^>]*mathjax", html, re.I)
    assert 'font-family: "STIX Two Math"' in html


def test_other_pages_keep_the_served_mathjax():
    html = page(HTMLExporter)
    assert "<mfrac>" not in html and "$$" in html
    assert "x-mathjax-config" in html and re.search(r"<script[^>]*src=[^>]*mathjax", html, re.I)


def test_tex_the_converter_cannot_read_is_shown_as_code():
    assert mathml("\\frac{1}{", display=False) == '<code class="tex">\\frac{1}{</code>'


def test_formulas_carry_no_markup_or_links_of_their_own():
    """latex2mathml passes some TeX through as markup or attributes; a formula holds MathML and plain text only."""
    for tex in (
        "\\text{<img src=x onerror=alert(1)>}",
        "\\href{javascript:alert(1)}{x}",
        "\\style{position:fixed}{x}",
        "\\class{navbar}{x}",
        "\\text{<svg onload=alert(1)>}",
    ):
        written = mathml(tex, display=False)
        assert not any(bad in written for bad in ("<img", "<svg", "href", "style=", 'class="navbar')), written
    assert (
        mathml("a < b", display=False) == '<math display="inline"><mrow><mi>a</mi><mo>&lt;</mo><mi>b</mi></mrow></math>'
    )
