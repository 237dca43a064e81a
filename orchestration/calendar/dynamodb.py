"""The calendar's DynamoDB store, for patterns that run in many places at once (Lambdas share no disk).

Chosen by a location such as `dynamodb://court-calendar` (`?region=eu-west-1&endpoint=http://…` optional;
the scheme in any case, as in any URL; boto3's usual credential chain and `AWS_ENDPOINT_URL_DYNAMODB`
apply). One table, whose partition key `slot` is the slot id, holds everything:

- a booking is the item of its slot (`D-2026-01-15-0700`); an item per confirmation code (`#code TC-…`)
  keeps codes unique. Both are put in one `TransactWriteItems`, each on condition
  `attribute_not_exists(slot)`: DynamoDB applies it atomically, so two writers never hold one slot.
- `#counter` numbers the bookings, for `bookings(after_id=…)`: ids only grow (a refused claim leaves a gap).
- `#notices` lists the club's notices; `#fault NAME` counts an armed fault down; `#seeded` marks the
  table ready, so that of many processes opening a new table exactly one loads its starting state.

A day has at most 60 slots, so its bookings are read by key (`BatchGetItem`, strongly consistent)
rather than through an index that would lag behind a booking just made.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from time import sleep
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .results import BookingRow, CalendarUnavailable
from .rules import COURTS, FIRST_HOUR, LAST_HOUR, Taken, slot_id

if TYPE_CHECKING:
    from .backend import NewBooking

SCHEME = "dynamodb://"
"""How a DynamoDB calendar's location starts, in lower case (`names_a_table` reads it in any case)."""
TRIES = 10
"""Attempts at one write that meets a conflicting transaction or a used code, and at unprocessed batch items."""
SEEDING_WAIT_S = 120.0
"""How long a process waits for another one to finish loading a new table's starting state."""
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_BATCH_WRITE = 25
_BOOKING_FIELDS = ("court", "date", "time", "user", "confirmation", "via", "created_at")
_HTML = re.compile(r"<(?:!doctype|html)\b.*", re.IGNORECASE | re.DOTALL)
_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def names_a_table(location: str) -> bool:
    """Whether `location` is a DynamoDB calendar's: `dynamodb://…`, the scheme in any case (URL schemes are)."""
    return location[:len(SCHEME)].lower() == SCHEME


@dataclass(frozen=True)
class DynamoStore:
    """Bookings, notices and armed faults in one DynamoDB table."""

    table: str
    region: str = ""
    """Empty: boto3's own choice (`AWS_REGION`, the profile), else us-east-1."""
    endpoint: str = ""
    """Empty: DynamoDB itself (or `AWS_ENDPOINT_URL_DYNAMODB`)."""

    @classmethod
    def at(cls, location: str) -> DynamoStore:
        """The store a `dynamodb://TABLE[?region=R&endpoint=URL]` location names."""
        parts = urlsplit(location)  # the scheme comes back in lower case
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        unknown = set(query) - {"region", "endpoint"}
        if (parts.scheme != "dynamodb" or not _TABLE_NAME.match(parts.netloc) or parts.path not in ("", "/")
                or unknown):
            raise ValueError(f"{location!r} is not a DynamoDB calendar; write dynamodb://TABLE, optionally with "
                             "?region=REGION&endpoint=URL (a table name is 3 to 255 of A-Z a-z 0-9 _ . -)")
        return cls(parts.netloc, query.get("region", ""), query.get("endpoint", ""))

    # Making the table --------------------------------------------------------------------------

    def create(self, seed: list[NewBooking]) -> None:
        """Make the table if it is missing and load `seed` into it, once, however many processes open it at once."""
        with self._reaching("nothing was read or changed"):
            client = self._client()
            try:
                client.describe_table(TableName=self.table)
            except client.exceptions.ResourceNotFoundException:
                try:
                    client.create_table(**table_definition(self.table))
                except client.exceptions.ResourceInUseException:
                    pass  # another process made it first
            client.get_waiter("table_exists").wait(TableName=self.table, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
            try:
                client.put_item(TableName=self.table, Item={"slot": _s("#seeded"), "state": _s("loading")},
                                ConditionExpression="attribute_not_exists(slot)")
            except client.exceptions.ConditionalCheckFailedException:
                self._wait_until_seeded()
                return
            self._load(seed)
            client.put_item(TableName=self.table, Item={"slot": _s("#seeded"), "state": _s("ready")})

    def _wait_until_seeded(self) -> None:
        for _ in range(int(SEEDING_WAIT_S / 0.2)):
            if _str(self._get("#seeded"), "state") == "ready":
                return
            sleep(0.2)
        raise CalendarUnavailable(f"The calendar table {self.table} is still being set up by another process "
                                  "(if one stopped midway, delete the table and open it again).")

    # Bookings ----------------------------------------------------------------------------------

    @contextmanager
    def operation(self) -> Iterator[None]:
        """Every call is its own request; the client is shared already."""
        yield

    def taken(self, day: str) -> Taken:
        return {(row.court, row.time) for row in self._day(day)}

    def holder(self, court: str, day: str, time: str) -> BookingRow | None:
        with self._reaching("nothing was read or changed"):
            item = self._get(slot_id(court, day, time))
        return _row(item) if item else None

    def claim(self, new: NewBooking) -> BookingRow | None:
        """Put `new` under a fresh code, on condition that its slot is free (else None), in one transaction."""
        slot = slot_id(new.court, new.date, new.time)
        with self._reaching("the booking may not have been made; booking the same slot again is safe, "
                            "since it returns the booking if it was"):
            client = self._client()
            row_id = int(client.update_item(
                TableName=self.table, Key={"slot": _s("#counter")}, UpdateExpression="ADD n :one",
                ExpressionAttributeValues={":one": _n(1)}, ReturnValues="UPDATED_NEW")["Attributes"]["n"]["N"])
            for _ in range(TRIES):
                code = "TC-" + secrets.token_hex(3).upper()
                row = BookingRow(id=row_id, confirmation=code, **new.fields())
                try:
                    client.transact_write_items(TransactItems=[
                        {"Put": {"TableName": self.table, "Item": _item(slot, row),
                                 "ConditionExpression": "attribute_not_exists(slot)"}},
                        {"Put": {"TableName": self.table, "Item": {"slot": _s(f"#code {code}")},
                                 "ConditionExpression": "attribute_not_exists(slot)"}},
                    ])
                    return row
                except client.exceptions.TransactionCanceledException as error:
                    reasons = [reason.get("Code") for reason in error.response.get("CancellationReasons", [])]
                    if reasons[:1] == ["ConditionalCheckFailed"]:
                        return None  # the slot is held
                    # the code was in use, or another transaction touched these items: try again
        raise CalendarUnavailable(f"The calendar could not store the booking after {TRIES} tries; nothing was booked.")

    def rows(self, day: str | None, after_id: int) -> list[BookingRow]:
        if day is not None:
            return sorted((row for row in self._day(day) if row.id > after_id), key=lambda row: row.id)
        with self._reaching("nothing was read or changed"):
            pages = self._client().get_paginator("scan").paginate(
                TableName=self.table, ConsistentRead=True,
                FilterExpression="attribute_exists(confirmation) AND id > :after",
                ExpressionAttributeValues={":after": _n(after_id)})
            return sorted((_row(item) for page in pages for item in page["Items"]), key=lambda row: row.id)

    def last_id(self) -> int:
        with self._reaching("nothing was read or changed"):
            return int(self._get("#counter").get("n", {}).get("N", 0))

    def reset(self, seed: list[NewBooking]) -> None:
        """Delete every booking and code, then load `seed` (not one transaction: readers may see it midway)."""
        with self._reaching("the calendar may be partly reset; reset it again"):
            pages = self._client().get_paginator("scan").paginate(
                TableName=self.table, ConsistentRead=True, ProjectionExpression="slot")
            doomed = [item["slot"]["S"] for page in pages for item in page["Items"]
                      if not item["slot"]["S"].startswith("#") or item["slot"]["S"].startswith("#code ")]
            self._write([{"DeleteRequest": {"Key": {"slot": _s(slot)}}} for slot in doomed])
            self._load(seed)

    def _load(self, seed: list[NewBooking]) -> None:
        """Put `seed`'s bookings (numbered from 1) and their codes, and set the counter after them."""
        requests = []
        for number, new in enumerate(seed, start=1):
            row = BookingRow(id=number, confirmation=new.confirmation, **new.fields())
            requests += [{"PutRequest": {"Item": _item(slot_id(new.court, new.date, new.time), row)}},
                         {"PutRequest": {"Item": {"slot": _s(f"#code {new.confirmation}")}}}]
        self._write(requests)
        self._client().put_item(TableName=self.table, Item={"slot": _s("#counter"), "n": _n(len(seed))})

    def _day(self, day: str) -> list[BookingRow]:
        """The bookings on `day`, read by their slots' keys."""
        keys = [{"slot": _s(slot_id(court, day, f"{hour:02d}:00"))}
                for hour in range(FIRST_HOUR, LAST_HOUR + 1) for court in COURTS]
        found: list[dict[str, Any]] = []
        with self._reaching("nothing was read or changed"):
            for _ in range(TRIES):
                answer = self._client().batch_get_item(
                    RequestItems={self.table: {"Keys": keys, "ConsistentRead": True}})
                found += answer["Responses"].get(self.table, [])
                keys = answer.get("UnprocessedKeys", {}).get(self.table, {}).get("Keys", [])
                if not keys:
                    return [_row(item) for item in found]
                sleep(0.05)
        raise CalendarUnavailable("The calendar could not read the whole day just now; nothing was read or changed.")

    # Notices and faults ------------------------------------------------------------------------

    def add_notice(self, day: str, text: str) -> None:
        with self._reaching("the notice was not posted"):
            self._client().update_item(
                TableName=self.table, Key={"slot": _s("#notices")},
                UpdateExpression="SET notices = list_append(if_not_exists(notices, :none), :new)",
                ExpressionAttributeValues={":none": {"L": []},
                                           ":new": {"L": [{"M": {"date": _s(day), "text": _s(text)}}]}})

    def notices(self, day: str | None) -> list[str]:
        with self._reaching("nothing was read or changed"):
            posted = self._get("#notices").get("notices", {}).get("L", [])
        return [notice["M"]["text"]["S"] for notice in posted
                if day is None or notice["M"]["date"]["S"] in ("", day)]

    def arm(self, fault: str, times: int) -> None:
        with self._reaching("the fault was not armed"):
            self._client().put_item(TableName=self.table, Item={"slot": _s(f"#fault {fault}"), "remaining": _n(times)})

    def trip(self, fault: str) -> bool:
        """Use up one time of `fault` if it is armed: a read, then (only if armed) a conditional count-down."""
        with self._reaching("nothing was read or changed"):
            if int(self._get(f"#fault {fault}").get("remaining", {}).get("N", 0)) <= 0:
                return False
            client = self._client()
            try:
                client.update_item(TableName=self.table, Key={"slot": _s(f"#fault {fault}")},
                                   UpdateExpression="SET remaining = remaining - :one",
                                   ConditionExpression="remaining > :zero",
                                   ExpressionAttributeValues={":one": _n(1), ":zero": _n(0)})
            except client.exceptions.ConditionalCheckFailedException:
                return False  # another caller used up the last time
            return True

    # The connection ----------------------------------------------------------------------------

    def _client(self) -> Any:
        return _client(self.region, self.endpoint)

    def _get(self, slot: str) -> dict[str, Any]:
        return self._client().get_item(TableName=self.table, Key={"slot": _s(slot)},
                                       ConsistentRead=True).get("Item", {})

    def _write(self, requests: list[dict[str, Any]]) -> None:
        """`BatchWriteItem` in batches of 25, retrying what DynamoDB leaves unprocessed."""
        for start in range(0, len(requests), _BATCH_WRITE):
            batch = requests[start:start + _BATCH_WRITE]
            for _ in range(TRIES):
                answer = self._client().batch_write_item(RequestItems={self.table: batch})
                batch = answer.get("UnprocessedItems", {}).get(self.table, [])
                if not batch:
                    break
                sleep(0.05)
            else:
                raise CalendarUnavailable("The calendar could not write every item just now; try again.")

    @contextmanager
    def _reaching(self, consequence: str) -> Iterator[None]:
        """Turn a failure to reach DynamoDB (no endpoint, no credentials, throttled, no access) into
        `CalendarUnavailable`, which says what it means for the caller."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (BotoCoreError, ClientError) as error:
            raise CalendarUnavailable(f"The court calendar (DynamoDB table {self.table}) could not be reached: "
                                      f"{self._said(error)}. So {consequence}.") from error

    def _said(self, error: Exception) -> str:
        """What went wrong, on one line: an HTML error page (an emulator's, a proxy's) shrinks to its title, and
        a region botocore does not know for DynamoDB (a likely cause) is named."""
        text = str(error).rstrip(".")
        page = _HTML.search(text)
        if page:
            title = _TITLE.search(page.group(0))
            text = text[:page.start()] + (f"an HTML page titled {' '.join(title.group(1).split())!r}" if title
                                          else "an HTML page")
        if self.region and self.region not in _known_regions():
            text += f" (the region {self.region!r} is not one botocore knows for DynamoDB)"
        return " ".join(text.split())[:400]


def table_definition(table: str) -> dict[str, Any]:
    """`CreateTable`'s parameters for a calendar table (also what `deploy aws` makes)."""
    return {"TableName": table, "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "slot", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "slot", "AttributeType": "S"}]}


ACTIONS = ("dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
           "dynamodb:DeleteItem", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:Scan",
           "dynamodb:ConditionCheckItem")
"""What the store calls, as IAM actions (a `TransactWriteItems` is allowed by its parts' actions)."""


_clients_lock = threading.Lock()


@cache
def _client(region: str, endpoint: str) -> Any:
    """One DynamoDB client per region and endpoint, shared by every thread (boto3 clients are thread-safe)."""
    import boto3
    from botocore.config import Config

    with _clients_lock:  # making a boto3 session is not thread-safe
        session = boto3.session.Session()
        return session.client("dynamodb", region_name=region or session.region_name or "us-east-1",
                              endpoint_url=endpoint or None,
                              config=Config(connect_timeout=5, read_timeout=10,
                                            retries={"mode": "standard", "max_attempts": 3}))


@cache
def _known_regions() -> frozenset[str]:
    """Every region botocore's endpoint data lists for DynamoDB, in every partition."""
    import boto3

    with _clients_lock:  # making a boto3 session is not thread-safe
        session = boto3.session.Session()
    return frozenset(region for partition in session.get_available_partitions()
                     for region in session.get_available_regions("dynamodb", partition))


def _s(text: str) -> dict[str, str]:
    return {"S": text}


def _n(number: int) -> dict[str, str]:
    return {"N": str(number)}


def _str(item: dict[str, Any], name: str) -> str:
    return item.get(name, {}).get("S", "")


def _item(slot: str, row: BookingRow) -> dict[str, Any]:
    return {"slot": _s(slot), "id": _n(row.id), **{name: _s(getattr(row, name)) for name in _BOOKING_FIELDS}}


def _row(item: dict[str, Any]) -> BookingRow:
    return BookingRow(id=int(item["id"]["N"]), **{name: _str(item, name) for name in _BOOKING_FIELDS})
