"""Every PDF the package or its recipes write embeds TrueType (Type 42) fonts, never Type 3.

Journals reject Type 3 fonts (bitmaps in many viewers). matplotlib writes
Type 3 unless ``pdf.fonttype`` is 42, which the journal style sets; these
tests write a PDF through every path (a package figure, ``simulate --plot``,
and each recipe of ``docs/howto/restyle-figure.md`` run verbatim) and read
its bytes. A font dictionary is never compressed in a matplotlib PDF, so the
subtype is visible as plain text.
"""

from __future__ import annotations

import doctest
import shutil
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest

from binding_sim.cli import main
from binding_sim.plot import style
from binding_sim.plot.figures import replot

ROOT = Path(__file__).resolve().parent.parent
RESTYLE = ROOT / "docs" / "howto" / "restyle-figure.md"


def font_subtypes(pdf: Path) -> set[bytes]:
    """The ``/Subtype`` of every font dictionary in a PDF, read from its bytes."""
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    kinds = set()
    for kind in (b"Type3", b"TrueType", b"Type1", b"Type0", b"CIDFontType2"):
        if b"/Subtype /" + kind in data:
            kinds.add(kind)
    return kinds


def assert_truetype(pdf: Path) -> None:
    kinds = font_subtypes(pdf)
    assert b"Type3" not in kinds, f"{pdf.name} embeds a Type 3 font"
    assert kinds & {b"TrueType", b"CIDFontType2"}, f"{pdf.name}: no TrueType font found ({kinds})"


def test_the_check_sees_a_type3_font(tmp_path: Path) -> None:
    """The check itself: matplotlib's default (no journal style) writes Type 3."""
    with matplotlib.rc_context({"pdf.fonttype": 3}):
        fig, ax = plt.subplots()
        ax.set_xlabel("trust")
        fig.savefig(tmp_path / "t3.pdf")
    plt.close(fig)
    assert b"Type3" in font_subtypes(tmp_path / "t3.pdf")


def test_style_save_writes_truetype_whatever_the_callers_settings(tmp_path: Path) -> None:
    with matplotlib.rc_context({"pdf.fonttype": 3}):
        fig, ax = plt.subplots()
        ax.set_xlabel("trust $\\tau$")
        ax.legend(handles=ax.plot([0, 1], label="formal"))
        (pdf, _) = style.save(fig, tmp_path / "fig")
    plt.close(fig)
    assert_truetype(pdf)


def test_a_package_figure_is_truetype(tmp_path: Path) -> None:
    shutil.copy(ROOT / "figures" / "trust_rate_sweep.csv", tmp_path)
    paths = replot("trust_rate_sweep", tmp_path)
    assert_truetype(next(p for p in paths if p.suffix == ".pdf"))


def test_simulate_plot_is_truetype(tmp_path: Path) -> None:
    pdf = tmp_path / "trust.pdf"
    args = ["simulate", "krickovic2016", "--reps", "20", "--horizon", "5", "--seed", "1"]
    assert main([*args, "--plot", str(pdf)]) == 0
    assert_truetype(pdf)


def _recipes() -> list[str]:
    """The source of each ``>>>`` block of the restyle how-to, in order."""
    text = RESTYLE.read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    parser = doctest.DocTestParser()
    return ["".join(ex.source for ex in parser.get_examples(block)) for block in blocks]


def test_restyle_recipe_writes_truetype(tmp_path: Path) -> None:
    restyle_block = next(b for b in _recipes() if "def restyle(" in b)
    namespace: dict[str, object] = {}
    exec(compile(restyle_block, str(RESTYLE), "exec"), namespace)
    shutil.copy(ROOT / "figures" / "trust_rate_sweep.csv", tmp_path)
    restyle = namespace["restyle"]
    assert callable(restyle)
    # the example call of the how-to, and one with sizes only
    restyle(
        tmp_path / "trust_rate_sweep.csv",
        tmp_path / "tsr_serif",
        **{
            "font.family": "serif",
            "font.size": 9,
        },
    )
    restyle(tmp_path / "trust_rate_sweep.csv", tmp_path / "tsr_big", **{"font.size": 11})
    assert_truetype(tmp_path / "tsr_serif.pdf")
    assert_truetype(tmp_path / "tsr_big.pdf")


def test_draw_your_own_recipe_writes_truetype_at_the_style_sizes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = _recipes()
    last = next(i for i, b in enumerate(blocks) if "style.figure(" in b)
    own = "".join(blocks[: last + 1])  # a doctest file shares one namespace
    # run the recipe verbatim, but into this test's folder and without its clean-up
    monkeypatch.setattr(tempfile, "mkdtemp", lambda *a, **k: str(tmp_path))
    monkeypatch.setattr(plt, "close", lambda *a, **k: None)
    monkeypatch.setattr(shutil, "rmtree", lambda *a, **k: None)
    namespace: dict[str, object] = {}
    exec(compile(own, str(RESTYLE), "exec"), namespace)
    assert_truetype(tmp_path / "demo.pdf")
    fig = namespace["fig"]
    ax = fig.axes[0]  # type: ignore[attr-defined]
    legend_sizes = {t.get_fontsize() for t in ax.get_legend().get_texts()}
    assert legend_sizes == {7.0}  # the journal's legend size, not matplotlib's 10 pt
    assert ax.xaxis.label.get_fontsize() == 8.0
    matplotlib.pyplot.close("all")
