"""Feedback pages whose formulas are typeset when the page is made: MathML, which browsers draw themselves.

A feedback page travels alone (nbgrader's exchange hands students the HTML file and nothing beside it) and is opened
from disk, with no Jupyter server to serve MathJax and often no internet: the page must not need a script to show
its math. nbgrader_config.py makes this exporter generate_feedback's (``GenerateFeedback.exporter_class``).
"""

import xml.etree.ElementTree as ElementTree
from html import escape

from jinja2 import pass_context
from latex2mathml.converter import convert
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

MATHML = "{http://www.w3.org/1998/Math/MathML}"
# What a formula may hold: MathML's presentation elements and their layout attributes. latex2mathml passes some TeX
# through as markup or attributes (\text{<b>}, \href, \style, \class), and students write formulas too.
ELEMENTS = set(
    "math mrow mi mn mo mtext mspace ms msub msup msubsup munder mover munderover mfrac msqrt mroot mstyle mtable mtr "
    "mtd mpadded mphantom menclose".split()
)
ATTRIBUTES = set(
    "display stretchy fence separator form minsize maxsize lspace rspace accent accentunder largeop movablelimits "
    "symmetric width height depth mathvariant displaystyle scriptlevel columnalign rowalign columnspacing rowspacing "
    "columnlines rowlines frame linethickness notation mathcolor mathbackground linebreak".split()
)


def mathml(tex: str, display: bool) -> str:
    """The formula as MathML (allowed elements and attributes only, text escaped); a formula that cannot be
    written so is shown as its TeX source, in code type."""
    try:
        root = ElementTree.fromstring(convert(tex, display="block" if display else "inline"))
        for element in root.iter():
            name = element.tag.removeprefix(MATHML)
            if name not in ELEMENTS:
                raise ValueError(f"<{name}> in a formula")
            element.tag = name
            for attribute in set(element.attrib) - ATTRIBUTES:
                del element.attrib[attribute]
        return ElementTree.tostring(root, encoding="unicode")
    except Exception:  # latex2mathml raises many kinds of errors on TeX it does not know; the XML parser, others
        return f'<code class="tex">{escape(tex, quote=False)}</code>'


class MathMLRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, with formulas written out as MathML instead of left for MathJax."""

    def block_math(self, body: str) -> str:
        return mathml(body, display=True)

    def latex_environment(self, name: str, body: str) -> str:
        return mathml(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)

    def inline_math(self, body: str) -> str:
        return mathml(body, display=False)


class FeedbackExporter(HTMLExporter):
    """HTMLExporter whose pages carry their formulas as MathML and load no MathJax.

    The course's mathjax() template macro (dlcourse/course/html_templates) sees ``math_written_out`` and gives the
    page a rule choosing a math font instead of the MathJax script.
    """

    @pass_context
    def markdown2html(self, context, source):
        cell = context.get("cell", {})
        renderer = MathMLRenderer(
            escape=False,
            attachments=cell.get("attachments", {}),
            embed_images=self.embed_images,
            path=context.get("resources", {}).get("metadata", {}).get("path", ""),
            anchor_link_text=self.anchor_link_text,
            exclude_anchor_links=self.exclude_anchor_links,
            **self.lexer_options,
        )
        return MarkdownWithMath(renderer=renderer).render(source)

    def _create_environment(self):
        environment = super()._create_environment()
        environment.globals["math_written_out"] = True
        return environment
