"""Importing usage files: each record rated for its line, plan and period, then stored.

`usage_import(path=…, clock=…)` (command `guichet usage import FILE`) reads the file chunk by
chunk: find each record's line, plan and billing period (`routing`), read the stored counters
of those lines and which of the chunk's record ids are already stored, rate each (plan, period)
group with the rating core (in a worker thread, while the chunk before is stored), then store
the rated records, the rejected ones and the new counters in bulk, one transaction per chunk.
A killed import loses at most the chunk it was storing and the one it was rating; importing the
file again rates nothing twice: the stored records come back as duplicates. Records of a line
are expected in started_at order from one file to the next, as mediation sends them; a record
that arrives after later ones of its line is rated against the counters as they stand
(allowances are not re-split after the fact).

There is no customer's activity log entry: an import acts on no customer. The import batch row
(`UsageImport`: file, checksum, times, counts) is the trace of the run.
"""

import hashlib
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
from django.conf import settings
from django.db import transaction
from django.db.models import F

from guichet.billing.advances import bill_advance_check
from guichet.billing.rules import round_to_cents
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.notifications import french_date
from guichet.care.services import activity_record, outbox_notify_customer
from guichet.catalog.errors import CatalogError
from guichet.catalog.models import Market
from guichet.catalog.schema import Catalog
from guichet.catalog.selectors import catalog_current
from guichet.customers.models import ContactTopic
from guichet.customers.rules import paris_date
from guichet.lines.models import Line, LineStatus
from guichet.lines.selectors import (
    RATING_LINES_SCHEMA,
    lines_with_accounts,
    rating_lines_frame,
    subscriptions_frame,
)
from guichet.rating import (
    RATED,
    USAGE_COLUMNS,
    Tariff,
    micro_eur_text,
    missing_columns,
    rate_usage,
    tariff_for_plan,
)
from guichet.rating.records import CALLS
from guichet.usage import storage
from guichet.usage.carrier_billing_rules import cap_problem, purchase_refusal
from guichet.usage.counters import CounterChanges, CounterStore, StoredCounters
from guichet.usage.errors import (
    CarrierBillingError,
    CarrierBillingErrorCode,
    UsageError,
    UsageErrorCode,
)
from guichet.usage.fair_use_selectors import non_occasional_frame
from guichet.usage.files import (
    # Records read, rated and stored at once (one transaction each). Rating chunk N+1 overlaps
    # storing chunk N, yet smaller chunks have not shown they pay: each chunk rewrites the
    # counters of the lines it rated and reads what rating it needs (bench_usage_import,
    # 500,000 records: 250,000 a chunk took 0.3 to 0.6 s more server CPU than 500,000, for a
    # gain of time lost in the noise of a busy machine; 200 MB less memory).
    CHUNK_RECORDS,
    UsageFileError,
    usage_chunks,
    usage_file_columns,
)
from guichet.usage.models import (
    CarrierBillingCap,
    CarrierBillingPurchase,
    CarrierBillingSubscription,
    CarrierBillingSubscriptionStatus,
    RejectedUsageRecord,
    UsageImport,
    UsageRecord,
    VodKind,
    VodPurchase,
)
from guichet.usage.routing import route
from guichet.usage.selectors import (
    carrier_billing_cap_cents,
    carrier_billing_spent_cents,
    out_of_bundle_micro_eur_by_billing_account,
)

# How the rating core words a duplicate record_id (both reasons start so: pinned by a test).
DUPLICATE_REASON_PREFIX = "duplicate record_id "


@dataclass(frozen=True)
class ImportSummary:
    read: int
    rated: int
    rejected: int
    duplicates: int
    total_micro_eur: int

    @classmethod
    def of(cls, batch: UsageImport) -> "ImportSummary":
        return cls(
            read=batch.read,
            rated=batch.rated,
            rejected=batch.rejected,
            duplicates=batch.duplicates,
            total_micro_eur=batch.total_micro_eur,
        )

    def text(self) -> str:
        return (
            f"read={self.read} rated={self.rated} rejected={self.rejected} "
            f"duplicates={self.duplicates} total_eur={micro_eur_text(self.total_micro_eur)}"
        )


def usage_import(
    *, path: Path, clock: Callable[[], datetime], chunk_records: int = CHUNK_RECORDS
) -> UsageImport:
    """Import one usage file (CSV or Parquet, USAGE_COLUMNS); returns the finished batch.

    `clock` gives the time the import starts (records that start later are rejected) and
    finishes. Raises UsageError, before anything is written, for a file that is missing,
    unreadable or lacks a column; a file found unreadable halfway leaves the chunks already
    stored and an unfinished batch (the next import of the corrected file goes on from there).
    """
    _check_file(path)
    tariffs = _Tariffs(catalog_current())
    started = clock()
    with storage.import_lock():
        batch = UsageImport.objects.create(
            file_name=str(path), sha256=_sha256(path), started_at=started
        )
        run = _Run(batch=batch, tariffs=tariffs, now=started)
        run.import_chunks(_chunks(path, chunk_records))
        batch.refresh_from_db()
        batch.finished_at = clock()
        batch.save(update_fields=["finished_at"])
    _check_bill_advances(line_ids=run.current_period_lines, now=started)
    return batch


def _check_bill_advances(*, line_ids: set[int], now: datetime) -> None:
    """After each import, the accounts whose lines got usage of the current month (`line_ids`,
    as the import rated them) have their month's out-of-bundle total checked against their
    bill-advance threshold (CGS 5.1 (i)): warnings as it approaches, an advance beyond it.
    Usage of past months is billed, not advanced."""
    period_start = now.astimezone(PARIS).date().replace(day=1)
    if not line_ids:
        return
    accounts = {
        line.billing_account_id: line.billing_account
        for line in lines_with_accounts(line_ids=line_ids)
    }
    totals = out_of_bundle_micro_eur_by_billing_account(
        billing_account_ids=sorted(accounts), period_start=period_start
    )
    for account_id, account in sorted(accounts.items()):
        bill_advance_check(
            billing_account=account,
            out_of_bundle_cents=round_to_cents(totals.get(account_id, 0), unit="micro_eur"),
            actor=Actor.system(),
            now=now,
        )


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise UsageError(
            code=UsageErrorCode.FILE_NOT_FOUND,
            message=f"Le fichier de tickets {path} n'existe pas.",
            extra={"path": str(path)},
        )
    try:
        columns = usage_file_columns(path)
    except UsageFileError as error:
        raise _unreadable(path, error) from error
    missing = missing_columns(columns)
    if missing:
        raise UsageError(
            code=UsageErrorCode.COLUMNS_MISSING,
            message=f"Il manque la ou les colonnes {', '.join(missing)} dans {path} (colonnes"
            f" attendues : {', '.join(USAGE_COLUMNS)}).",
            extra={"path": str(path), "missing": missing},
        )


def _unreadable(path: Path, error: Exception) -> UsageError:
    return UsageError(
        code=UsageErrorCode.FILE_UNREADABLE,
        message=f"Le fichier {path} n'est pas un fichier de tickets lisible (CSV UTF-8 avec"
        f" en-tête, ou Parquet) : {error}",
        extra={"path": str(path)},
    )


def _chunks(path: Path, chunk_records: int) -> Iterator[pl.DataFrame]:
    try:
        yield from usage_chunks(path, chunk_records)
    except UsageFileError as error:
        raise _unreadable(path, error) from error


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Tariffs:
    """Each plan's rating view, from the current catalog release, built once per import."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._tariffs: dict[str, Tariff | None] = {}
        # Records that reach no plan are still checked by the core, with any plan's tariff:
        # what it checks (columns, networks, numbers) is the same for every plan.
        self.checking = tariff_for_plan(catalog, catalog.plans[0].code)

    def get(self, plan_code: str) -> Tariff | None:
        if plan_code not in self._tariffs:
            try:
                self._tariffs[plan_code] = tariff_for_plan(self._catalog, plan_code)
            except CatalogError:
                self._tariffs[plan_code] = None
        return self._tariffs[plan_code]

    def rateable(self, plan_codes: pl.Series) -> list[str]:
        return [code for code in plan_codes.drop_nulls().unique() if self.get(code) is not None]


# One chunk ----------------------------------------------------------------------------------

_CORE_KEPT = {
    "status": "status",
    "record_id": "rated_id",
    "service": "rated_service",
    "direction": "rated_direction",
    "origin_zone": "origin_zone",
    "destination_zone": "destination_zone",
    "charge_micro_eur": "charge_micro_eur",
    "included": "included",
    "throttled": "throttled",
    "reason": "reason",
}


class _Lines:
    """The lines that held the numbers an import meets, read once per number per import."""

    def __init__(self) -> None:
        self._frame = pl.DataFrame(schema=RATING_LINES_SCHEMA)
        self._numbers = pl.Series("msisdn", [], dtype=pl.String)

    def holding(self, numbers: pl.Series) -> pl.DataFrame:
        new = numbers.filter(~numbers.is_in(self._numbers.implode()))
        if new.len():
            self._frame = pl.concat([self._frame, rating_lines_frame(msisdns=new.to_list())])
            self._numbers = pl.concat([self._numbers, new])
        return self._frame


class _Subscriptions:
    """The add-ons of the lines an import rates, per period, read once per line and period: each
    chunk rates most lines of the chunk before, and an import changes no subscription (one
    taken while it runs starts after every record it rates)."""

    def __init__(self) -> None:
        self._read: dict[date, set[int]] = {}
        self._frames: dict[date, pl.DataFrame] = {}  # SUBSCRIPTIONS_SCHEMA, line_id for line

    def of(self, lines: Mapping[int, str], *, period_start: date) -> pl.DataFrame:
        """subscriptions_frame(lines=lines, …) for the period's bounds, rows in the same order."""
        read = self._read.setdefault(period_start, set())
        new = sorted(set(lines) - read)
        if new:
            start, stop = _period_bounds(period_start)
            found = subscriptions_frame(
                lines={id_: str(id_) for id_ in new}, start=start, stop=stop
            )
            found = found.with_columns(pl.col("line").cast(pl.Int64).alias("line"))
            if period_start in self._frames:
                found = pl.concat([self._frames[period_start], found])
            self._frames[period_start] = found
            read.update(new)
        frame = self._frames[period_start]
        ids = pl.Series(list(lines), dtype=pl.Int64).implode()
        # A line's rows come from one query, in its order: a stable sort by line keeps it.
        return (
            frame.filter(pl.col("line").is_in(ids))
            .sort("line", maintain_order=True)
            .with_columns(pl.col("line").replace_strict(lines, return_dtype=pl.String))
        )


@dataclass(frozen=True)
class _Group:
    """One plan's records of one period, with what rating them needs from the database."""

    rows: pl.DataFrame
    tariff: Tariff
    period_start: date
    numbers: Mapping[int, str]  # line id → the number rating knows it by
    stored_counters: StoredCounters
    subscriptions: pl.DataFrame
    non_occasional: pl.DataFrame


@dataclass(frozen=True)
class _ReadChunk:
    """A chunk routed, with everything rating it needs from the database."""

    read: int
    groups: list[_Group]
    unrouted: pl.DataFrame
    seen: pl.Series  # the chunk's record ids stored when it was read


@dataclass(frozen=True)
class _RatedChunk:
    """A chunk rated: the rows to store and the counters it changed."""

    read: int
    rated: pl.DataFrame
    rejected: pl.DataFrame
    counters: CounterChanges
    current_period_lines: set[int]


class _Run:
    """One import: what it reads once (tariffs, lines) and the counters it carries between
    chunks."""

    def __init__(self, *, batch: UsageImport, tariffs: _Tariffs, now: datetime) -> None:
        self.batch = batch
        self.tariffs = tariffs
        self.now = now
        self.lines = _Lines()
        self.subscriptions = _Subscriptions()
        self.counters = CounterStore()
        # The lines with records rated in the month the import started in (bill advances).
        self.current_period_lines: set[int] = set()
        self._current_period = now.astimezone(PARIS).date().replace(day=1)
        # The ids the previous chunk rated, not committed yet when the next chunk was read.
        self._unstored_ids = pl.Series("record_id", [], dtype=pl.String)

    def import_chunks(self, chunks: Iterator[pl.DataFrame]) -> None:
        """Read (database), rate (pure Polars) and store (database) chunk by chunk, in file
        order, each stored in its own transaction. Polars releases the GIL: one worker thread
        rates chunk N+1 while this thread stores chunk N, then reads chunk N+2 from the
        database; only this thread uses the database. Chunk N+1 is read before chunk N is
        committed: its duplicates of chunk N are found in memory (`_unstored_ids`), and its
        counters come from the CounterStore, which hands the worker what chunk N left."""
        chunks = iter(chunks)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="usage-rating") as rater:
            rating: Future[_RatedChunk] | None = None
            first_row = 1
            while True:
                try:
                    chunk = next(chunks, None)
                except UsageError:
                    if rating is not None:  # what was read before the fault stays stored
                        self._store_chunk(rating.result())
                    raise
                if chunk is None:
                    break
                if chunk.height == 0:
                    continue  # a file of a header alone
                read = self._read(chunk, first_row=first_row)
                first_row += chunk.height
                rated = rating.result() if rating is not None else None
                rating = rater.submit(self._rate, read)
                if rated is not None:
                    self._store_chunk(rated)
            if rating is not None:
                self._store_chunk(rating.result())

    def _read(self, chunk: pl.DataFrame, *, first_row: int) -> _ReadChunk:
        """Route the chunk and read what rating it needs: the lines, the stored ids, and per
        (plan, period) group its lines' counters, subscriptions and non-occasional periods."""
        numbers = chunk.get_column("line").str.strip_chars().drop_nulls().unique()
        lines = self.lines.holding(numbers)
        routed = route(
            chunk,
            lines,
            now=self.now,
            rateable_plans=self.tariffs.rateable(lines.get_column("plan_code")),
        ).with_columns(row=pl.int_range(first_row, first_row + chunk.height, dtype=pl.Int64))
        seen = storage.stored_record_ids(chunk.get_column("record_id").str.strip_chars())
        groups = []
        for (plan_code, period_start), rows in _groups(
            routed.filter(pl.col("route_reason").is_null())
        ):
            tariff = self.tariffs.get(plan_code)
            assert tariff is not None  # routed to rateable plans only
            holders = rows.select(number=pl.col("line").str.strip_chars(), line_id="line_id")
            holders = holders.unique()
            by_id = dict(
                zip(holders.get_column("line_id"), holders.get_column("number"), strict=True)
            )
            start, stop = _period_bounds(period_start)
            groups.append(
                _Group(
                    rows=rows,
                    tariff=tariff,
                    period_start=period_start,
                    numbers=by_id,
                    stored_counters=self.counters.read(
                        line_ids=by_id, period_start=period_start, tariff=tariff
                    ),
                    subscriptions=self.subscriptions.of(by_id, period_start=period_start),
                    non_occasional=non_occasional_frame(lines=by_id, start=start, stop=stop),
                )
            )
        return _ReadChunk(
            read=chunk.height,
            groups=groups,
            unrouted=routed.filter(pl.col("route_reason").is_not_null()),
            seen=seen,
        )

    def _rate(self, chunk: _ReadChunk) -> _RatedChunk:
        """Rate a chunk read by `_read` (no database: runs in the worker thread)."""
        seen = pl.concat([chunk.seen, self._unstored_ids])
        earlier = pl.Series("record_id", [], dtype=pl.String)
        outcomes = []
        for group in chunk.groups:
            outcome, rated_ids = self._rate_group(group, seen=seen, earlier=earlier)
            outcomes.append(outcome)
            earlier = pl.concat([earlier, rated_ids])
        if chunk.unrouted.height:
            outcomes.append(
                _check_unrouted(
                    chunk.unrouted, tariff=self.tariffs.checking, seen=seen, earlier=earlier
                )
            )
        rated, rejected = _stored_rows(batch=self.batch, outcome=pl.concat(outcomes))
        self._unstored_ids = rated.get_column("record_id")
        return _RatedChunk(
            read=chunk.read,
            rated=rated,
            rejected=rejected,
            counters=self.counters.changes(),
            current_period_lines=set(
                rated.filter(pl.col("period_start") == self._current_period)
                .get_column("line_id")
                .unique()
            ),
        )

    def _store_chunk(self, chunk: _RatedChunk) -> None:
        with transaction.atomic():
            _store(batch=self.batch, chunk=chunk)
        self.current_period_lines.update(chunk.current_period_lines)

    def _rate_group(
        self, group: _Group, *, seen: pl.Series, earlier: pl.Series
    ) -> tuple[pl.DataFrame, pl.Series]:
        """Rate one plan's records of one period from their lines' counters, then keep the
        new counters (a later group may rate the same lines: a line that changed plans)."""
        result = rate_usage(
            group.rows.select(USAGE_COLUMNS),
            tariff=group.tariff,
            counters=self.counters.load(
                lines=group.numbers,
                period_start=group.period_start,
                tariff=group.tariff,
                stored=group.stored_counters,
            ),
            seen_ids=seen,
            earlier_ids=earlier,
            subscriptions=group.subscriptions,
            non_occasional=group.non_occasional,
        )
        self.counters.store(
            counters=result.counters,
            lines={number: line_id for line_id, number in group.numbers.items()},
            period_start=group.period_start,
        )
        outcome = _outcome(group.rows, result.records).with_columns(
            # Every duplicate the core finds here repeats a record rated (stored, or just now).
            _genuine_duplicate=pl.lit(True)
        )
        return outcome, result.rated_ids()


PARIS = ZoneInfo("Europe/Paris")


def _period_bounds(period_start: date) -> tuple[datetime, datetime]:
    """The billing period (a Europe/Paris calendar month) as [start, stop) instants."""
    following = date(period_start.year + period_start.month // 12, period_start.month % 12 + 1, 1)
    return (
        datetime.combine(period_start, time(), tzinfo=PARIS),
        datetime.combine(following, time(), tzinfo=PARIS),
    )


def _groups(rows: pl.DataFrame) -> Iterator[tuple[tuple[str, date], pl.DataFrame]]:
    """Rows by plan, period and number holder, in time order of their first record (a line
    that changed plans in a period is rated plan by plan, in the order it had them)."""
    groups = rows.partition_by("plan_code", "period_start", "generation", as_dict=True)
    ordered = sorted(
        groups.items(),
        key=lambda item: (item[0][1], item[1].get_column("started").min(), item[0]),
    )
    for (plan_code, period_start, _), group in ordered:
        yield (plan_code, period_start), group


def _check_unrouted(
    rows: pl.DataFrame, *, tariff: Tariff, seen: pl.Series, earlier: pl.Series
) -> pl.DataFrame:
    """Records that reach no plan: the core names what is malformed in them, if anything;
    the others are rejected for the reason they reach no plan. A record already rated (its id
    stored, or rated earlier in the chunk) stays a duplicate; a repeated id among these records
    is no duplicate of anything stored, and is rejected like the first."""
    result = rate_usage(
        rows.select(USAGE_COLUMNS), tariff=tariff, seen_ids=seen, earlier_ids=earlier
    )
    already = pl.concat([seen, earlier]).implode()
    return _outcome(rows, result.records).with_columns(
        _genuine_duplicate=pl.col("record_id").str.strip_chars().is_in(already)
    )


def _outcome(rows: pl.DataFrame, rated: pl.DataFrame) -> pl.DataFrame:
    """The routed rows side by side with the core's output (one row each, same order)."""
    core = rated.select(pl.col(name).alias(alias) for name, alias in _CORE_KEPT.items())
    return pl.concat([rows, core], how="horizontal")


def _stored_rows(*, batch: UsageImport, outcome: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The chunk's rated and rejected records as their tables store them."""
    duplicate = (pl.col("status") != RATED) & pl.col("reason").str.starts_with(
        DUPLICATE_REASON_PREFIX
    ).fill_null(False)
    kind = (
        pl.when(pl.col("route_reason").is_null() & (pl.col("status") == RATED))
        .then(pl.lit("rated"))
        .when(duplicate & pl.col("_genuine_duplicate"))
        .then(pl.lit("duplicate"))
        .otherwise(pl.lit("rejected"))
    )
    outcome = outcome.with_columns(_kind=kind)
    # In the primary key's order: its index takes the chunk's new entries in one sweep instead
    # of all over it (sorted by line as before, or in file order, the server took 1.3 or 1.6
    # times as long to store them: benchmarks/bench_usage_import).
    rated = _rated_rows(outcome.filter(pl.col("_kind") == "rated"), batch).sort("record_id")
    rejected = _rejected_rows(outcome.filter(pl.col("_kind") == "rejected"), batch).sort("row")
    return rated, rejected


def _store(*, batch: UsageImport, chunk: _RatedChunk) -> None:
    """Store a rated chunk (records, rejected records, counters) and add its counts to the
    batch, in the caller's transaction."""
    rated, rejected = chunk.rated, chunk.rejected
    storage.insert_frame(UsageRecord, rated)
    storage.insert_frame(RejectedUsageRecord, rejected)
    chunk.counters.write()
    UsageImport.objects.filter(pk=batch.pk).update(
        read=F("read") + chunk.read,
        rated=F("rated") + rated.height,
        rejected=F("rejected") + rejected.height,
        duplicates=F("duplicates") + (chunk.read - rated.height - rejected.height),
        total_micro_eur=F("total_micro_eur") + int(rated.get_column("charge_micro_eur").sum()),
    )


def _rated_rows(rows: pl.DataFrame, batch: UsageImport) -> pl.DataFrame:
    service = pl.col("rated_service")
    return rows.select(
        record_id="rated_id",
        line_id="line_id",
        period_start="period_start",
        started_at="started",
        service=service,
        direction="rated_direction",
        origin_zone="origin_zone",
        destination_zone=pl.col("destination_zone").fill_null(""),
        other_party=pl.col("other_party").str.strip_chars().fill_null(""),
        duration_s=pl.when(service.is_in(CALLS)).then(
            pl.col("duration_s").str.strip_chars().cast(pl.Int64, strict=False)
        ),
        volume_bytes=pl.when(service == "data").then(
            pl.col("volume_bytes").str.strip_chars().cast(pl.Int64, strict=False)
        ),
        charge_micro_eur="charge_micro_eur",
        included="included",
        throttled="throttled",
        reason="reason",
        batch_id=pl.lit(batch.pk, dtype=pl.Int64),
    )


def _rejected_rows(rows: pl.DataFrame, batch: UsageImport) -> pl.DataFrame:
    found_nothing_wrong = (pl.col("status") == RATED) | pl.col("reason").str.starts_with(
        DUPLICATE_REASON_PREFIX
    ).fill_null(False)
    reason = (
        pl.when(pl.col("route_reason").is_not_null() & found_nothing_wrong)
        .then(pl.col("route_reason"))
        .otherwise(pl.col("reason"))
    )
    return rows.select(
        batch_id=pl.lit(batch.pk, dtype=pl.Int64),
        row="row",
        **{name: pl.col(name) for name in USAGE_COLUMNS},
        reason=reason,
    )


# -- portal: home and usage --------------------------------------------------------------------
# Purchases on the bill (Internet+) and VOD: recorded as the merchant platforms report them,
# capped and cancelled by the customer.


def _check_line_open_for_purchases(line: Line) -> None:
    if line.status == LineStatus.TERMINATED:
        raise CarrierBillingError(
            code=CarrierBillingErrorCode.LINE_CLOSED,
            message=f"La ligne {line.display_number} est résiliée.",
        )


def _month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The Europe/Paris calendar month of `now`, as aware instants [start, stop)."""
    today = paris_date(now)
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (
        datetime.combine(first, time(), tzinfo=PARIS),
        datetime.combine(following, time(), tzinfo=PARIS),
    )


@transaction.atomic
def carrier_billing_purchase_record(
    *,
    line: Line,
    merchant: str,
    service: str,
    amount_cents: int,
    now: datetime,
    subscription: CarrierBillingSubscription | None = None,
) -> CarrierBillingPurchase:
    """A merchant asks to charge a purchase on the line's bill: accepted within the line's
    monthly cap (carrier_billing_rules), refused otherwise with nothing recorded."""
    _check_line_open_for_purchases(line)
    # The cap row (or the line) serialises two purchases of one line: both see the month's sum.
    Line.objects.select_for_update().filter(pk=line.pk).first()
    start, stop = _month_bounds(now)
    spent = carrier_billing_spent_cents(line=line, start=start, stop=stop)
    refusal = purchase_refusal(
        amount_cents=amount_cents,
        spent_this_month_cents=spent,
        cap_cents=carrier_billing_cap_cents(line=line),
        purchase_max_cents=settings.GUICHET_CARRIER_BILLING_PURCHASE_MAX_CENTS,
    )
    if refusal:
        raise CarrierBillingError(
            code=CarrierBillingErrorCode.PURCHASE_REFUSED,
            message=refusal,
            extra={"amount_cents": amount_cents, "spent_cents": spent},
        )
    return CarrierBillingPurchase.objects.create(
        line=line,
        subscription=subscription,
        merchant=merchant,
        service=service,
        amount_cents=amount_cents,
        purchased_at=now,
    )


@transaction.atomic
def carrier_billing_subscription_start(
    *, line: Line, merchant: str, service: str, monthly_price_cents: int, now: datetime
) -> CarrierBillingSubscription:
    """A merchant starts a subscription on the bill; its first month is a purchase, so a
    blocked or exhausted cap refuses it."""
    subscription = CarrierBillingSubscription.objects.create(
        line=line,
        merchant=merchant,
        service=service,
        monthly_price_cents=monthly_price_cents,
        started_at=now,
        status=CarrierBillingSubscriptionStatus.ACTIVE,
    )
    carrier_billing_purchase_record(
        line=line,
        merchant=merchant,
        service=service,
        amount_cents=monthly_price_cents,
        now=now,
        subscription=subscription,
    )
    return subscription


@transaction.atomic
def carrier_billing_subscription_cancel(
    *, subscription: CarrierBillingSubscription, actor: Actor, now: datetime
) -> CarrierBillingSubscription:
    """ "Voir et résilier mes achats Internet+": the subscription stops now; nothing more is
    charged for it. The customer is told through the outbox."""
    subscription = CarrierBillingSubscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.status == CarrierBillingSubscriptionStatus.CANCELLED:
        raise CarrierBillingError(
            code=CarrierBillingErrorCode.SUBSCRIPTION_ALREADY_CANCELLED,
            message=f"L'abonnement {subscription.service} est déjà résilié.",
        )
    line = Line.objects.select_related("billing_account__customer").get(pk=subscription.line_id)
    subscription.status = CarrierBillingSubscriptionStatus.CANCELLED
    subscription.cancelled_at = now
    subscription.save(update_fields=["status", "cancelled_at"])
    customer = line.billing_account.customer
    activity_record(
        customer=customer,
        actor=actor,
        act=Act.CARRIER_BILLING_SUBSCRIPTION_CANCEL,
        subject=subscription,
        summary=f"Abonnement {subscription.service} ({subscription.merchant}) résilié",
        at=now,
        old_values={"status": CarrierBillingSubscriptionStatus.ACTIVE},
        new_values={"status": CarrierBillingSubscriptionStatus.CANCELLED},
    )
    outbox_notify_customer(
        customer=customer,
        topic=ContactTopic.SERVICE_INFORMATION,
        template="carrier_billing_subscription_cancelled",
        context={
            "service": subscription.service,
            "merchant": subscription.merchant,
            "line": line.display_number,
            "date": french_date(now),
        },
        now=now,
    )
    return subscription


@transaction.atomic
def carrier_billing_cap_set(
    *, line: Line, cap_cents: int, actor: Actor, now: datetime
) -> CarrierBillingCap:
    """ "Plafonner ou bloquer mes achats sur facture": a monthly cap among the operator's
    steps; 0 blocks every purchase on the bill."""
    _check_line_open_for_purchases(line)
    problem = cap_problem(
        cap_cents=cap_cents, steps_cents=settings.GUICHET_CARRIER_BILLING_CAP_STEPS_CENTS
    )
    if problem:
        raise CarrierBillingError(
            code=CarrierBillingErrorCode.CAP_INVALID, message=problem, extra={"cap": cap_cents}
        )
    cap = CarrierBillingCap.objects.select_for_update().filter(line=line).first()
    old_cap = cap.monthly_cap_cents if cap else carrier_billing_cap_cents(line=line)
    if cap is not None and old_cap == cap_cents:
        return cap
    cap = cap or CarrierBillingCap(line=line)
    cap.monthly_cap_cents, cap.updated_at = cap_cents, now
    cap.save()
    activity_record(
        customer=line.billing_account.customer,
        actor=actor,
        act=Act.CARRIER_BILLING_CAP_SET,
        subject=line,
        summary=(
            f"Achats sur facture bloqués sur la ligne {line.display_number}"
            if cap_cents == 0
            else f"Achats sur facture plafonnés à {cap_cents // 100} € par mois sur la ligne"
            f" {line.display_number}"
        ),
        at=now,
        old_values={"monthly_cap_cents": old_cap},
        new_values={"monthly_cap_cents": cap_cents},
    )
    return cap


@transaction.atomic
def vod_purchase_record(
    *, line: Line, title: str, kind: str, amount_cents: int, now: datetime
) -> VodPurchase:
    """A rental or purchase made on the box's TV, as the TV platform reports it."""
    if line.market != Market.FIXED:
        raise CarrierBillingError(
            code=CarrierBillingErrorCode.NOT_A_BOX_LINE, message="La VOD se loue sur une box."
        )
    _check_line_open_for_purchases(line)
    return VodPurchase.objects.create(
        line=line, title=title, kind=VodKind(kind), amount_cents=amount_cents, purchased_at=now
    )
