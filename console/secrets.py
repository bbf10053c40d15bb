"""Secrets (the team server's password; later, webhook tokens) in the OS keyring, and nowhere
else.

    secrets.check()              the keyring in use, by name, or KeyringUnavailable
    secrets.get(name[, backend]) the secret stored under `name`, or None
    secrets.store(name, value)   keep it (replacing any other under that name)
    secrets.delete(name)         forget it; False when there was none

Only a keyring that keeps secrets encrypted by the system is used: the desktop's Secret Service
(GNOME Keyring, KeePassXC...), KWallet, the macOS Keychain or the Windows Credential Manager.
Any other backend the `keyring` package settles on is refused in one line naming it, and nothing
is stored: the `fail` and `null` ones (no keyring at all), and the plaintext and "encrypted"
files of keyrings.alt, which the package picks silently when it is merely installed. A keyring
that is there but fails when used (no D-Bus session, a locked collection) is refused the same way.

`keyring` is imported only when a secret is needed: never on a solo command.
"""

from console.errors import StorageUnavailable

SERVICE = "incident-console"
# Backends (by module) that keep secrets encrypted by the system.
SECURE_BACKENDS = (
    "keyring.backends.SecretService",
    "keyring.backends.libsecret",
    "keyring.backends.kwallet",
    "keyring.backends.macOS",
    "keyring.backends.Windows",
)


class KeyringUnavailable(StorageUnavailable):
    """No secure keyring to keep a secret in; nothing was stored."""


def _name(backend) -> str:
    kind = type(backend)
    return f"{kind.__module__}.{kind.__qualname__}"


def _secure(backend) -> bool:
    module = type(backend).__module__
    return any(module == m or module.startswith(m + ".") for m in SECURE_BACKENDS)


def _backend(known: str | None = None):
    """The keyring the `keyring` package chose, if it is one we trust; else KeyringUnavailable.

    `known` names the backend a secret was stored with (as `check` said it): loaded directly, it
    saves the search through every installed backend (a third of a second), unless
    PYTHON_KEYRING_BACKEND now names another."""
    import os

    if known and not os.environ.get("PYTHON_KEYRING_BACKEND") and any(
            known.startswith(m + ".") for m in SECURE_BACKENDS):
        try:
            from keyring.core import load_keyring

            return load_keyring(known)
        except Exception:  # noqa: BLE001 - gone or broken: find the keyring the usual way
            pass
    try:
        import keyring
        from keyring.backends.chainer import ChainerBackend

        backend = keyring.get_keyring()
    except Exception as exc:  # noqa: BLE001 - a third party's start-up, said in one line
        raise KeyringUnavailable(f"no keyring could be loaded ({type(exc).__name__}: {_short(exc)}); "
                                 "nothing was stored") from None
    chain = list(backend.backends) if isinstance(backend, ChainerBackend) else [backend]
    if not chain or not all(_secure(b) for b in chain):
        found = ", ".join(_name(b) for b in chain) or _name(backend)
        raise KeyringUnavailable(f"no secure keyring: found {found}, which does not keep secrets "
                                 "encrypted; nothing was stored")
    return backend


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _failed(backend, exc: BaseException) -> KeyringUnavailable:
    return KeyringUnavailable(f"the keyring ({_name(backend)}) failed: {_short(exc)}")


def check() -> str:
    """The keyring secrets would go to, by name; KeyringUnavailable when it is not a secure one."""
    return _name(_backend())


def get(name: str, backend_name: str | None = None) -> str | None:
    """The secret stored under `name` (with the backend `check` named then, if known)."""
    backend = _backend(backend_name)
    try:
        return backend.get_password(SERVICE, name)
    except Exception as exc:  # noqa: BLE001 - D-Bus, a locked collection: one line
        raise _failed(backend, exc) from None


def store(name: str, value: str) -> None:
    backend = _backend()
    try:
        backend.set_password(SERVICE, name, value)
    except Exception as exc:  # noqa: BLE001
        raise _failed(backend, exc) from None


def delete(name: str) -> bool:
    backend = _backend()
    from keyring.errors import PasswordDeleteError

    try:
        backend.delete_password(SERVICE, name)
    except PasswordDeleteError:
        return False
    except Exception as exc:  # noqa: BLE001
        raise _failed(backend, exc) from None
    return True
