"""The process-wide vault and policy, loaded once.

The master key is read from its file (created on first run) and the policy file is validated on first use;
tests call :func:`reset` after changing either.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language

from persondata.core.policy import Policy, load_policy
from persondata.core.vault import Vault, load_or_create_master_key


@cache
def vault() -> Vault:
    """The vault of this installation. The master key is created only by ``persondata init`` (:func:`create_vault`)."""
    return Vault(load_or_create_master_key(Path(settings.PERSONDATA_MASTER_KEY_FILE), create=False))


def create_vault() -> Vault:
    """First run: create the master key file if there is none, then load it."""
    load_or_create_master_key(Path(settings.PERSONDATA_MASTER_KEY_FILE), create=True)
    return vault()


def policy_path() -> Path | None:
    """The installation's policy file: $PERSONDATA_POLICY, else ``<home>/policy.toml`` if present, else the default."""
    if settings.PERSONDATA_POLICY_FILE:
        return Path(settings.PERSONDATA_POLICY_FILE)
    local = Path(settings.HOME) / "policy.toml"
    return local if local.exists() else None


@cache
def policy() -> Policy:
    return load_policy(policy_path())


def reset() -> None:
    vault.cache_clear()
    policy.cache_clear()


def language() -> str:
    """The language of the current request or command, as the policy file and the letters spell it: ``da`` or
    ``en`` (anything else falls back to the installation's default, Danish)."""
    lang = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return lang if lang in ("da", "en") else "da"
