"""The signed head: an incident's chain head signed with this install's Ed25519 key.

The key is made once and kept in the OS keyring only (console.secrets, under `KEY_NAME`); where
there is no secure keyring the head goes out unsigned, with a one-line notice saying why, and no
key is ever written anywhere else. The public key travels with the signature (in the export), so
anyone can check it; `verify --export` also says whether it is this install's key.

Signing happens when a head is exported or checked, never on a write: `cryptography` and the
keyring are imported here only, and this module is imported only by exports and `verify`.

    block(head) -> dict           the head as an export prints it, signed when it can be
    check(block) -> str | None    None when the block's signature holds, else what is wrong
    sign(data) / check_message(data, signature, public_key)   the same for other bytes (console.heads)
    notice() -> str | None        why heads are not signed here (None when they are)
    line(block) -> str            the head as one line of text (Markdown, HTML, PDF)
"""

import re

from console.chain import ALGORITHM, Head
from console.errors import InputError

KEY_NAME = "chain-signing-key"  # the private key, hex, in the keyring
SCHEME = "ed25519"

_key = None  # the private key, once read or made in this process
_why_not: str | None = None  # why there is none (the keyring's one line)


def message(incident_uid: str, links: int, link: str) -> bytes:
    """What is signed: the chain's rules, the incident, how many links, the head."""
    return f"{ALGORITHM}\n{incident_uid}\n{links}\n{link}".encode()


def _private_key():
    """This install's signing key from the keyring (made and stored there the first time), or
    None with `_why_not` saying why."""
    global _key, _why_not
    if _key is not None or _why_not is not None:
        return _key
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from console import secrets

    try:
        stored = secrets.get(KEY_NAME)
        if stored is None:
            made = Ed25519PrivateKey.generate()
            secrets.store(KEY_NAME, _raw_private(made).hex())
            stored = secrets.get(KEY_NAME)  # read back: what the next run will sign with
        _key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(stored))
    except secrets.KeyringUnavailable as exc:
        _why_not = str(exc)
    except ValueError:
        _why_not = f"the keyring's {KEY_NAME!r} is not an Ed25519 key; nothing was changed"
    return _key


def _raw_private(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def _raw_public(key) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def known() -> bool:
    """Whether this process has asked the keyring already (the key, or why there is none):
    until then the first export waits for the keyring, which a window does on a thread."""
    return _key is not None or _why_not is not None


def prepare() -> None:
    """Ask the keyring now (on any thread): the key, made the first time, or why there is none.
    Afterwards `known()` is true, whatever the keyring did."""
    global _why_not
    try:
        _private_key()
    except Exception as exc:  # noqa: BLE001 - a third party's failure: the heads go out unsigned
        _why_not = f"the keyring failed ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})"


def give_up(why: str) -> None:
    """The keyring has not answered (a window waits only so long): heads go out unsigned, saying
    `why`, until it does answer."""
    global _why_not
    if _key is None and _why_not is None:
        _why_not = why


def notice() -> str | None:
    """Why heads are not signed on this install (one line), or None when they are."""
    _private_key()
    if _key is not None or _why_not is None:
        return None
    return f"the record chain's head is not signed: {_why_not}"


def public_key() -> str | None:
    """This install's public key (hex), when it has a key."""
    key = _private_key()
    return _raw_public(key).hex() if key is not None else None


def block(head: Head) -> dict:
    """The head as an export prints it: signed with this install's key when there is one."""
    found = {"algorithm": ALGORITHM, "incident": head.incident_uid, "links": head.links,
             "head": head.link, "chained_from": head.chained_from}
    key = _private_key()
    if key is None:
        found.update(signature=None, public_key=None, unsigned=_why_not)
    else:
        signature = key.sign(message(head.incident_uid, head.links, head.link))
        found.update(signature=f"{SCHEME}:{signature.hex()}", public_key=f"{SCHEME}:{_raw_public(key).hex()}")
    return found


def sign(data: bytes) -> dict:
    """`data` signed with this install's key, as {"signature", "public_key"} (nulls when there
    is no key): the head log's lines (console.heads)."""
    key = _private_key()
    if key is None:
        return {"signature": None, "public_key": None}
    return {"signature": f"{SCHEME}:{key.sign(data).hex()}",
            "public_key": f"{SCHEME}:{_raw_public(key).hex()}"}


def check_message(data: bytes, signature, public_key) -> str | None:
    """None when `signature` is the signature of `data` by `public_key`, else what is wrong."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(str(public_key).removeprefix(f"{SCHEME}:")))
        key.verify(bytes.fromhex(str(signature).removeprefix(f"{SCHEME}:")), data)
    except InvalidSignature:
        return "its signature does not match its head"
    except (TypeError, ValueError):
        return "its signature or public key is not an Ed25519 one"
    return None


def check(found: dict) -> str | None:
    """None when the block's signature is the signature of its head by its public key; else
    what is wrong, in a few words. An unsigned block is not checked here (the caller says so)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        signature = bytes.fromhex(str(found["signature"]).removeprefix(f"{SCHEME}:"))
        key = Ed25519PublicKey.from_public_bytes(
            bytes.fromhex(str(found["public_key"]).removeprefix(f"{SCHEME}:")))
        key.verify(signature, message(found["incident"], int(found["links"]), found["head"]))
    except InvalidSignature:
        return "its signature does not match its head"
    except (KeyError, TypeError, ValueError):
        return "its signature or public key is not an Ed25519 one"
    return None


def line(found: dict) -> str:
    """The block as one line, for the Markdown, HTML and PDF exports (`parse_line` reads it)."""
    text = (f"Record chain ({found['algorithm']}) of incident {found['incident']}: "
            f"{found['links']} links, head {found['head']}, ")
    text += (f"chained from {found['chained_from']}. " if found["chained_from"]
             else "chained from the start. ")
    if found["signature"]:
        text += f"Signature {found['signature']} by key {found['public_key']}."
    else:
        text += "Not signed (no secure keyring)."
    return text


_LINE = re.compile(
    r"Record chain \((?P<algorithm>[\w/.-]+)\) of incident (?P<incident>[0-9a-zA-Z-]+): "
    r"(?P<links>[0-9]+) links, head (?P<head>[0-9a-f]{64}), "
    r"chained from (?:the start|(?P<chained_from>[0-9TZ:.-]+))\. "
    r"(?:Signature (?P<signature>ed25519:[0-9a-f]+) by key (?P<public_key>ed25519:[0-9a-f]{64})\."
    r"|Not signed)")


def parse_line(text: str) -> dict:
    """The head a Markdown or HTML export printed (`line`), or InputError."""
    found = _LINE.search(text)
    if found is None:
        raise InputError("no record chain head in it (an export made before the chain, or not an export)")
    values = found.groupdict()
    values["links"] = int(values["links"])
    return values
