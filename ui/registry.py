"""Every page of the app, in one list: the sidebar and the home page's cards both read it.

A new page needs one page file under pages/, one ui module that owns its state, and one entry here.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Page:
    path: str    # the page file, relative to app.py
    label: str   # its name in the sidebar and on its card
    icon: str    # a Material icon
    blurb: str   # one sentence for its card on the home page

    @property
    def url_path(self) -> str:
        """The address Streamlit serves it at: the file name without its number prefix (``/draw``)."""
        if self.path == "app.py":
            return ""
        stem = self.path.rsplit("/", 1)[-1].removesuffix(".py")
        return stem.split("_", 1)[1] if stem.split("_", 1)[0].isdigit() else stem


HOME = Page("app.py", "Home", ":material/home:", "What the network is, and the way in.")
PAGES = [
    HOME,
    Page("pages/0_lesson.py", "The lesson", ":material/school:",
         "The chapter step by step: each idea with a live widget and a task the app checks."),
    Page("pages/1_draw.py", "Draw & classify", ":material/draw:",
         "Draw a digit and watch it flow through the network: pre-processing, every layer, the answer."),
    Page("pages/2_hand_tune.py", "Hand-tune", ":material/tune:",
         "Set weights and biases by hand, paint an edge detector, and see the accuracy move."),
    Page("pages/3_sigmoid_vs_relu.py", "Sigmoid vs ReLU", ":material/compare:",
         "The same network with two activation functions, side by side, and a live race."),
    Page("pages/4_parameters.py", "Parameters", ":material/grid_on:",
         "Where the 13,002 weights and biases live, layer by layer."),
    Page("pages/5_probe.py", "Probe", ":material/biotech:",
         "What the network really looks for: its favourite images, where its answer flips, how to fool it."),
    Page("pages/6_workshop.py", "Workshop", ":material/groups:",
         "A class challenge: join a room with its code, rebuild or fool the network, and submit."),
    Page("pages/7_leaderboard.py", "Leaderboard", ":material/leaderboard:",
         "A room's live leaderboard, big enough for a projector."),
]


def by_path(path: str) -> Page:
    return next(p for p in PAGES if p.path == path)


def registry_page_files() -> list:
    """The page files under pages/, as paths relative to app.py: each must have an entry in PAGES."""
    return sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))
