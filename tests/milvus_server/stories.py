"""Short news stories that exist nowhere else (invented places and names), so a question about one has exactly one
right article: what each process must find after another process stored it."""

from __future__ import annotations

from dataclasses import dataclass

PLACES = [
    ("Varnokel", "tidal bridge"),
    ("Quillmere", "seed vault"),
    ("Ostrabenn", "salt mine museum"),
    ("Telvaris", "glacier observatory"),
    ("Mirrowick", "night ferry"),
    ("Zandreth", "copper foundry"),
    ("Hollbrecke", "orchard railway"),
    ("Pennavor", "lighthouse school"),
    ("Drusmoor", "peat power station"),
    ("Calvastra", "river archive"),
]


@dataclass(frozen=True)
class Story:
    place: str
    thing: str
    outlet: str
    date: str

    @property
    def title(self) -> str:
        return f"{self.place} opens its {self.thing}"

    @property
    def first_sentence(self) -> str:
        return f"The town of {self.place} opened its new {self.thing} on Monday, the mayor's office said."

    @property
    def paragraphs(self) -> list[str]:
        return [
            self.first_sentence,
            f"Officials said the {self.thing} in {self.place} had taken four years to build and cost "
            f"{len(self.place)} million euros.",
            f"Residents of {self.place} gathered at the entrance before dawn to see the opening.",
        ]

    @property
    def question(self) -> str:
        return f"What did {self.place} open on Monday?"

    def record(self, n: int) -> dict:
        """A JSONL record for ``newsdesk ingest``."""
        return {
            "id": f"{self.place.lower()}-{n}",
            "title": self.title,
            "source": self.outlet,
            "date": self.date,
            "url": f"https://{self.outlet.lower().replace(' ', '')}.example/{self.place.lower()}",
            "text": "\n\n".join(self.paragraphs),
        }


def stories(first: int, n: int, outlet: str = "Coast Post") -> list[Story]:
    return [Story(place, thing, outlet, f"2026-11-{10 + i:02d}") for i, (place, thing) in enumerate(PLACES)][
        first : first + n
    ]
