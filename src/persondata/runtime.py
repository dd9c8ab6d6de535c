"""The process-wide vault and policy, loaded once.

The master key is read from its file (created on first run) and the policy file is validated on first use;
tests call :func:`reset` after changing either. The vault is loaded again when the key file changes on disk (a
``persondata keys rotate`` in another process): during a rotation the new key waits next to the old one as
``<key file>.new`` and the vault holds both (new keys are wrapped under the new one), so a running server keeps
reading every data key while they are re-wrapped, and after the rotation it loads the new key by itself.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language

from persondata.core.policy import Policy, load_policy
from persondata.core.vault import Vault, load_or_create_master_key


def key_file() -> Path:
    return Path(settings.PERSONDATA_MASTER_KEY_FILE)


def pending_key_file() -> Path:
    """Where a rotation keeps the new master key until every data key is wrapped under it."""
    return Path(_paths(str(key_file()))[1])


def _stamp(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)  # noqa: PTH116 - a str path: this runs for every data key made or opened
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_mode


@lru_cache(maxsize=4)
def _paths(setting: str) -> tuple[str, str]:
    path = Path(setting)
    return str(path), str(path.with_name(path.name + ".new"))


def vault() -> Vault:
    """The vault of this installation. The master key is created only by ``persondata init`` (:func:`create_vault`).

    Two ``stat`` calls see whether the key file or a rotation's new key changed since the vault was loaded."""
    path, pending = _paths(str(settings.PERSONDATA_MASTER_KEY_FILE))
    return _vault(path, _stamp(path), _stamp(pending))


@lru_cache(maxsize=2)
def _vault(path: str, stamp: object, pending: object) -> Vault:
    current = Vault(load_or_create_master_key(Path(path), create=False))
    if pending is None:
        return current
    new = load_or_create_master_key(Path(_paths(path)[1]), create=False)
    return Vault(new, also=(current,))


def create_vault() -> Vault:
    """First run: create the master key file if there is none, then load it."""
    load_or_create_master_key(key_file(), create=True)
    return vault()


def policy_path() -> Path | None:
    """The installation's policy file: $PERSONDATA_POLICY, else ``<home>/policy.toml`` if present, else the default."""
    if settings.PERSONDATA_POLICY_FILE:
        return Path(settings.PERSONDATA_POLICY_FILE)
    local = Path(settings.HOME) / "policy.toml"
    return local if local.exists() else None


def policy() -> Policy:
    """The installation's policy, loaded once per process (and again after :func:`reload_policy`)."""
    if not _policy:
        stamp = _policy_stamp()
        _policy.append((load_policy(policy_path()), stamp))
    return _policy[0][0]


# the loaded policy and what it was read from: (path, modification time, size), to notice a changed file
_policy: list[tuple[Policy, tuple[str, int, int] | None]] = []


def _policy_stamp() -> tuple[str, int, int] | None:
    path = policy_path()
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path), st.st_mtime_ns, st.st_size)


def policy_changed() -> bool:
    """Whether the policy file differs from the one this process loaded (another process — the setup pages in
    another worker — wrote it): one ``stat``."""
    return bool(_policy) and _policy[0][1] != _policy_stamp()


def reload_policy() -> Policy:
    """Load the policy file again. If it is not valid (:class:`PolicyError`) or unreadable, the one loaded
    before stays in force (until the file changes again) and the error is raised."""
    stamp = _policy_stamp()
    try:
        loaded = load_policy(policy_path())
    except Exception:
        if _policy:  # keep the old one, and do not try this same file again at every request
            _policy[0] = (_policy[0][0], stamp)
        raise
    _policy[:] = [(loaded, stamp)]
    return loaded


def reset_policy() -> None:
    _policy.clear()


def reset() -> None:
    _vault.cache_clear()
    reset_policy()


def language() -> str:
    """The language of the current request or command, as the policy file and the letters spell it: ``da`` or
    ``en`` (anything else falls back to the installation's default, Danish)."""
    lang = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return lang if lang in ("da", "en") else "da"
