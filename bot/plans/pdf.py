"""The plan as a PDF, made with fpdf2 from the same document as the printable page.

fpdf2's built-in Helvetica covers Latin-1 only, so typographic quotes and dashes are
written as their plain forms; the knowledge base is English text, so nothing else is lost.
``Writer`` and ``latin1`` are shared with the staff's monthly report
(bot/analytics/monthly_pdf.py), so the project's PDFs look alike and use one library.
"""

from __future__ import annotations

from fpdf import FPDF

from bot.plans.document import CHECKS_AGAIN, CHECKS_TITLE, IT_PROVIDER_INTRO, PlanDocument

_PLAIN = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                        "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u00a0": " ",
                        "\u2022": "-", "\u2713": "x"})
LINE = 6.0


def latin1(text: str) -> str:
    """``text`` as the built-in fonts can draw it (plain quotes and dashes, ``?`` for the rest)."""
    return text.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


class Writer:
    """An A4 page with the project's margins and fonts, written top to bottom."""

    def __init__(self, title: str) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_title(latin1(title))
        self.pdf.set_author("SME cyber guidance assistant")
        self.pdf.set_auto_page_break(auto=True, margin=15)
        self.pdf.set_margins(18, 18, 18)
        self.pdf.add_page()

    def text(self, text: str, *, size: int = 11, bold: bool = False, gap: float = 1.5) -> None:
        self.pdf.set_font("Helvetica", "B" if bold else "", size)
        self.pdf.multi_cell(0, LINE if size <= 12 else LINE + 2, latin1(text),
                            new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(gap)

    def link(self, url: str) -> None:
        self.pdf.set_font("Helvetica", "U", 10)
        self.pdf.set_text_color(29, 112, 184)
        self.pdf.multi_cell(0, LINE, latin1(url), link=url, new_x="LMARGIN", new_y="NEXT")
        self.pdf.set_text_color(11, 12, 12)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def render(document: PlanDocument) -> bytes:
    """The whole plan as PDF bytes."""
    out = Writer(document.title)
    out.text(document.title, size=18, bold=True, gap=2)
    out.text(document.profile)
    out.text(f"You have done {document.done} of {len(document.steps)} steps.")
    for step in document.steps:
        must = " (must-do)" if step.must_do else ""
        out.text(f"{step.number}. {step.title}{must} - {step.status_label}", size=13, bold=True, gap=1)
        out.text(f"Who: {step.who}. Time: {step.time}. Cost: {step.cost}.", gap=1)
        out.text(f"Why: {step.why}", gap=1)
        out.text(f"How: {step.how}", gap=1)
        out.text("Sources:", size=10, bold=True, gap=0)
        for url in step.sources:
            out.link(url)
        out.pdf.ln(3)
    if document.checks:
        out.text(CHECKS_TITLE, size=14, bold=True, gap=1)
        for check in document.checks:
            out.text(check.heading, bold=True, gap=1)
            for problem in check.problems:
                out.text(f"- {problem.status_label}: {problem.title}", gap=0.5)
            if not check.problems:
                out.text("Everything checked was OK.", gap=0.5)
            out.pdf.ln(2)
        out.text(CHECKS_AGAIN)
        out.pdf.ln(3)
    out.text("Hand this to your IT provider", size=14, bold=True, gap=1)
    out.text(IT_PROVIDER_INTRO)
    for step in document.for_it_provider:
        out.text(f"- {step.title}: {step.how}", gap=1)
    return out.output()
