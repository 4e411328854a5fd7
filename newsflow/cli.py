"""The `newsflow` command: `up` (run everything locally), `ingest` (post files), `extract` (offline NLP),
`eval` (score extraction against gold data)."""

import argparse
import sys
from pathlib import Path


def cmd_up(args: argparse.Namespace) -> int:
    from newsflow.up import run

    return run(nlp_workers=args.nlp_workers, seeds=None if args.no_seeds else Path(args.seeds))


def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from newsflow.client import post_batches
    from newsflow.loader import files_under, read_articles
    from newsflow.settings import CliSettings

    if args.path == "-":
        content = sys.stdin.buffer.read()
        suffix = ".json" if content.lstrip().startswith(b"[") else ".jsonl"
        sources = [(content, suffix, "stdin")]
    else:
        path = Path(args.path)
        if not path.exists():
            print(f"newsflow ingest: {path} does not exist", file=sys.stderr)
            return 2
        sources = [(p.read_bytes(), p.suffix.lower(), p.stem) for p in files_under(path)]
    try:
        articles = [a for content, suffix, name in sources for a in read_articles(content, suffix, name)]
    except ValueError as exc:
        print(f"newsflow ingest: cannot read input: {exc}", file=sys.stderr)
        return 2
    with tqdm(total=len(articles), unit="article", disable=args.quiet, file=sys.stderr) as bar:
        try:
            api_key = args.api_key or CliSettings().client_key()
            result = post_batches(args.url, articles, batch_size=args.batch_size, progress=bar, api_key=api_key)
        except Exception as exc:
            print(f"\nnewsflow ingest: {exc}", file=sys.stderr)
            return 1
    print(f"{result.accepted} accepted, {result.duplicates} duplicates, {result.invalid} invalid")
    for error in result.errors:
        print(f"  invalid {error}", file=sys.stderr)
    return 0 if result.invalid == 0 else 1


def cmd_extract(args: argparse.Namespace) -> int:
    from newsflow.extract import run_extract

    return run_extract(args.path, model=args.model, batch_size=args.batch_size)


def cmd_keys(args: argparse.Namespace) -> int:
    from shared.auth import SCOPES, key_entry, new_key

    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
    if not scopes or not set(scopes) <= SCOPES:
        print(f"newsflow keys: scopes must be among {sorted(SCOPES)}", file=sys.stderr)
        return 2
    key = new_key()
    print(f"key (give it to the client; it is not stored anywhere):\n  {key}")
    print(f"entry for NEWSFLOW_API_KEYS (comma-separate several):\n  {key_entry(args.name, scopes, key)}")
    return 0


def cmd_dlq(args: argparse.Namespace) -> int:
    import httpx

    from newsflow.settings import CliSettings

    key = args.api_key or CliSettings().client_key()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    with httpx.Client(base_url=args.url, headers=headers, timeout=60) as http:
        if args.dlq_command == "list":
            response = http.get("/dead-letters", params={"limit": args.limit})
        else:
            if not args.all and not args.ids:
                print("newsflow dlq replay: give dead-letter ids, or --all", file=sys.stderr)
                return 2
            response = http.post("/dead-letters/replay", json={"ids": args.ids, "all": args.all})
    if response.status_code != 200:
        print(f"newsflow dlq: {response.status_code} {response.text[:500]}", file=sys.stderr)
        return 1
    body = response.json()
    if args.dlq_command == "list":
        for item in body["items"]:
            print(f"{item['id']}  {item['stream']}/{item['group']}  x{item['delivery_count']}  "
                  f"article={item['article_id']}  {item['error']}")
        print(f"{len(body['items'])} dead letter(s)")
    else:
        print(f"replayed {len(body['replayed'])}; not found: {', '.join(body['not_found']) or 'none'}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    rest = [args.file, *args.options]
    if args.what == "events":
        from newsflow.evaluate import main as evaluate_events

        return evaluate_events(rest)
    from newsflow.evaluate_places import main as evaluate_places

    return evaluate_places(rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="run the whole pipeline locally (embedded Redis and PostgreSQL by default)")
    up.add_argument("--nlp-workers", type=int, default=1, help="number of NLP worker processes (default 1)")
    up.add_argument("--seeds", default="seeds", help="directory of articles to post once ready (default seeds/)")
    up.add_argument("--no-seeds", action="store_true", help="do not post the seed articles")
    up.set_defaults(func=cmd_up)

    ingest = commands.add_parser("ingest", help="post .txt/.json/.jsonl files (or - for stdin) to the ingest service")
    ingest.add_argument("path", help="file, directory, or - for JSON/NDJSON on stdin")
    ingest.add_argument("--url", default="http://127.0.0.1:8001", help="ingest service URL")
    ingest.add_argument("--batch-size", type=int, default=200, help="articles per request")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest.add_argument(
        "--api-key", default=None, help="key with the ingest scope (default: NEWSFLOW_API_KEY, else .newsflow/api-key)"
    )
    ingest.set_defaults(func=cmd_ingest)

    extract = commands.add_parser("extract", help="run the extraction offline over a JSONL file, JSONL to stdout")
    extract.add_argument("path", help='JSONL file of {"id", "text", "published_at"?} lines, or - for stdin')
    extract.add_argument("--model", default=None, help="spaCy pipeline (default: the NLP worker's setting)")
    extract.add_argument("--batch-size", type=int, default=64, help="texts per nlp.pipe batch")
    extract.set_defaults(func=cmd_extract)

    keys = commands.add_parser("keys", help="make API keys")
    keys_commands = keys.add_subparsers(dest="keys_command", required=True)
    new = keys_commands.add_parser("new", help="make a key and print its NEWSFLOW_API_KEYS entry")
    new.add_argument("name", help="name of the key's holder (shown in logs, used for rate limits)")
    new.add_argument("--scopes", default="ingest,read", help="comma-separated from ingest, read, admin")
    new.set_defaults(func=cmd_keys)

    dlq = commands.add_parser("dlq", help="list or replay dead letters (needs an admin key)")
    dlq.add_argument("--url", default="http://127.0.0.1:8001", help="ingest service URL")
    dlq.add_argument("--api-key", default=None, help="admin key (default: NEWSFLOW_API_KEY, else .newsflow/api-key)")
    dlq_commands = dlq.add_subparsers(dest="dlq_command", required=True)
    dlq_list = dlq_commands.add_parser("list", help="list dead letters, oldest first")
    dlq_list.add_argument("--limit", type=int, default=100, help="most to list")
    dlq_replay = dlq_commands.add_parser("replay", help="re-append dead letters to their stream and remove them")
    dlq_replay.add_argument("ids", nargs="*", help="dead-letter ids (from `newsflow dlq list`)")
    dlq_replay.add_argument("--all", action="store_true", help="replay every dead letter")
    dlq.set_defaults(func=cmd_dlq)

    evaluate = commands.add_parser(
        "eval", help="score event or place extraction against a gold JSONL file (prints JSON figures)"
    )
    evaluate.add_argument("what", choices=["events", "places"], help="what to score")
    evaluate.add_argument("file", help="gold JSONL file")
    evaluate.add_argument("options", nargs=argparse.REMAINDER, help="options of the scorer (--model, --errors, ...)")
    evaluate.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
