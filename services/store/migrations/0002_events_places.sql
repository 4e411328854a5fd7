-- Tone, focus, places and GDELT-style canonical events with their mentions.
-- Applied once by services.store.migrate inside a transaction; never edit a released migration, add a new file.

ALTER TABLE articles
    -- GDELT-style tone of the current revision (-100..100); null until enriched.
    ADD COLUMN tone  double precision,
    -- The places the article is mainly about: {"countries": [...], "cities": [...]} as the NLP sent it.
    ADD COLUMN focus jsonb;

-- Gazetteer entries that articles mention. The key is `gn:<geonameid>` for GeoNames entries and
-- `rg:<kind>:<name>` for entries of the NLP's own regions table, which have no GeoNames id: a text key keeps
-- both kinds in one table and makes the upsert a plain ON CONFLICT (id).
CREATE TABLE places (
    id          text PRIMARY KEY,
    geonameid   integer,
    name        text NOT NULL,
    kind        text NOT NULL,
    -- ISO 3166-1 alpha-3; null for regions and seas spanning several countries.
    country     text,
    admin1      text,
    lat         double precision NOT NULL,
    lon         double precision NOT NULL,
    population  bigint
);

CREATE INDEX places_country_idx ON places (country);
CREATE INDEX places_lower_name_idx ON places (lower(name));

CREATE TABLE article_places (
    article_id  text    NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    -- The revision the offsets refer to; mentions of a replaced revision are deleted with it.
    revision    text    NOT NULL,
    place_id    text    NOT NULL REFERENCES places (id),
    start_char  integer NOT NULL CHECK (start_char >= 0),
    end_char    integer NOT NULL CHECK (end_char >= start_char),
    text        text    NOT NULL,
    confidence  double precision NOT NULL,
    -- (Scores are double precision, not real: a float4 1.9 reads back as 1.899999976158142.)
    -- Keyed on the span and place so that replaying an enrichment inserts nothing new.
    PRIMARY KEY (article_id, start_char, end_char, place_id)
);

-- "Top places" counts articles per place.
CREATE INDEX article_places_place_idx ON article_places (place_id, article_id);

-- One real-world event, however many articles report it: GDELT's "same day, actors, action and place".
-- `id` is a hash of exactly that key (see services/store/canonical.py), so the same event gets the same id in
-- every database and on every replay. Missing actors and places are '' rather than NULL, because NULLs are
-- never equal in a UNIQUE constraint and two reports of the same actor-less event must meet.
CREATE TABLE events (
    id              text PRIMARY KEY,
    day             date    NOT NULL,
    source_code     text    NOT NULL DEFAULT '',
    target_code     text    NOT NULL DEFAULT '',
    code            text    NOT NULL,
    place_key       text    NOT NULL DEFAULT '',
    source_country  text,
    target_country  text,
    name            text    NOT NULL,
    root_code       text    NOT NULL,
    quad_class      smallint NOT NULL CHECK (quad_class BETWEEN 1 AND 4),
    goldstein       double precision NOT NULL,
    place_name      text,
    place_country   text,
    geonameid       integer,
    lat             double precision,
    lon             double precision,
    -- Kept equal to aggregates over event_mentions by the store, in the transaction that changes the mentions
    -- (services/store/repository.py `_refresh_events`): the API reads and sorts by them without a GROUP BY.
    num_mentions    integer NOT NULL DEFAULT 0,
    num_articles    integer NOT NULL DEFAULT 0,
    num_sources     integer NOT NULL DEFAULT 0,
    avg_tone        double precision,
    -- Earliest and latest date (publication, else arrival) of the articles reporting it.
    first_seen      timestamptz,
    last_seen       timestamptz,
    UNIQUE (day, source_code, target_code, code, place_key)
);

-- Newest first, ties by id: the keyset order of GET /events and of the export.
CREATE INDEX events_day_idx ON events (day DESC, id DESC);
-- Actor and code filters are prefix matches (`PAK` finds PAKMIL): text_pattern_ops lets LIKE 'PAK%' use them.
CREATE INDEX events_source_code_idx ON events (source_code text_pattern_ops);
CREATE INDEX events_target_code_idx ON events (target_code text_pattern_ops);
CREATE INDEX events_code_idx ON events (code text_pattern_ops);
CREATE INDEX events_source_country_idx ON events (source_country);
CREATE INDEX events_target_country_idx ON events (target_country);
CREATE INDEX events_place_country_idx ON events (place_country);
-- `near` narrows to a latitude band with this index, then checks the exact great-circle distance.
CREATE INDEX events_lat_lon_idx ON events (lat, lon) WHERE lat IS NOT NULL;

CREATE TABLE event_mentions (
    event_id        text    NOT NULL REFERENCES events (id),
    article_id      text    NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    revision        text    NOT NULL,
    sentence_index  integer NOT NULL CHECK (sentence_index >= 0),
    sentence_start  integer NOT NULL CHECK (sentence_start >= 0),
    sentence_end    integer NOT NULL CHECK (sentence_end >= sentence_start),
    trigger         text    NOT NULL,
    trigger_start   integer NOT NULL CHECK (trigger_start >= 0),
    trigger_end     integer NOT NULL CHECK (trigger_end >= trigger_start),
    source_code     text,
    source_text     text,
    source_start    integer,
    source_end      integer,
    target_code     text,
    target_text     text,
    target_start    integer,
    target_end      integer,
    location_text   text,
    location_start  integer,
    location_end    integer,
    confidence      double precision NOT NULL,
    negated         boolean NOT NULL DEFAULT false,
    hypothetical    boolean NOT NULL DEFAULT false,
    -- Tone of the sentence when the NLP gave one, else of the whole article.
    tone            double precision,
    PRIMARY KEY (article_id, sentence_index, trigger_start, event_id)
);

CREATE INDEX event_mentions_event_idx ON event_mentions (event_id);
