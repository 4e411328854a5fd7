-- Articles, canonical entities and entity mentions.
-- Applied once by services.store.migrate inside a transaction; never edit a released migration, add a new file.

CREATE TABLE articles (
    id             text PRIMARY KEY,
    -- SHA-256 of the normalised title + text, as computed by ingest; one row holds the latest revision only.
    revision       text        NOT NULL,
    -- SHA-256 of the title and text exactly as stored (not normalised), computed by the store: lets a reader
    -- verify the stored bytes without knowing ingest's normalisation rules.
    content_hash   text        NOT NULL,
    url            text,
    canonical_url  text,
    title          text        NOT NULL,
    text           text        NOT NULL,
    source         text,
    language       text,
    published_at   timestamptz,
    received_at    timestamptz NOT NULL,
    status         text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'enriched', 'failed')),
    error          text,
    enriched_at    timestamptz,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    metadata       jsonb       NOT NULL DEFAULT '{}'::jsonb,
    model          text,
    warnings       text[]      NOT NULL DEFAULT '{}',
    -- The date the API sorts and filters on: publication time when the submitter gave one, else arrival.
    dated_at       timestamptz GENERATED ALWAYS AS (coalesce(published_at, received_at)) STORED,
    -- Only the first 250,000 characters of the body are indexed: a tsvector is limited to 1 MB, and one huge
    -- article must not make its whole batch fail forever.
    search         tsvector    GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('english'::regconfig, left(coalesce(text, ''), 250000)), 'B')
    ) STORED
);

CREATE INDEX articles_search_idx ON articles USING gin (search);
-- Keyset pagination of "newest first" walks this index: (dated_at, id) is unique and totally ordered.
CREATE INDEX articles_dated_at_idx ON articles (dated_at DESC, id DESC);
CREATE INDEX articles_published_at_idx ON articles (published_at);
CREATE INDEX articles_received_at_idx ON articles (received_at);
CREATE INDEX articles_source_idx ON articles (source);
CREATE INDEX articles_status_idx ON articles (status) WHERE status <> 'enriched';

CREATE TABLE entities (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name     text NOT NULL,
    label    text NOT NULL,
    -- ISO 3166-1 alpha-3 of the country the entity denotes or belongs to.
    country  text,
    UNIQUE (name, label)
);

-- The API matches entity names case-insensitively.
CREATE INDEX entities_lower_name_idx ON entities (lower(name));
CREATE INDEX entities_country_idx ON entities (country) WHERE country IS NOT NULL;

CREATE TABLE article_entities (
    article_id  text    NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    -- The article revision the mention's offsets refer to; mentions of replaced revisions are deleted.
    revision    text    NOT NULL,
    entity_id   bigint  NOT NULL REFERENCES entities (id),
    -- Character offsets in the article text ("end" is a reserved word in SQL, hence the suffix).
    start_char  integer NOT NULL CHECK (start_char >= 0),
    end_char    integer NOT NULL CHECK (end_char >= start_char),
    text        text    NOT NULL,
    -- Keyed on the span and entity so that replaying an enrichment inserts nothing new.
    PRIMARY KEY (article_id, start_char, end_char, entity_id)
);

-- "Articles mentioning entity X" and "top entities" start from the entity side.
CREATE INDEX article_entities_entity_idx ON article_entities (entity_id, article_id);

-- Enrichments whose article revision is not (yet) the stored one. The two input streams are consumed
-- independently, so an enrichment can be processed before its `articles.submitted` message: it waits here
-- and is applied in the same transaction that stores that revision. See services/store/repository.py.
CREATE TABLE waiting_enrichments (
    article_id   text        NOT NULL,
    revision     text        NOT NULL,
    occurred_at  timestamptz NOT NULL,
    payload      jsonb       NOT NULL,
    parked_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (article_id, revision)
);

CREATE INDEX waiting_enrichments_parked_at_idx ON waiting_enrichments (parked_at);
