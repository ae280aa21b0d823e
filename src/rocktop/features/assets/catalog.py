"""The downloadable weights, with URLs and sha256 from spec §7.8.

Where the spec quotes no hash the entry has ``sha256=None``: ``rocktop assets list`` says so,
``fetch`` installs it and prints the digest it computed (trust on first use), and ``verify``
reports it as unverifiable.
"""

from __future__ import annotations

from dataclasses import dataclass

HOST = "https://huggingface.co/lj1995/VoiceConversionWebUI/resolve/main"
MIRROR_ENV = "ROCKTOP_ASSETS_MIRROR"

# sha256 pins quoted by spec §7.8
SHA_HUBERT_PT = "f54b40fd2802423a5643779c4861af1e9ee9c1564dc9d32f54f20b5ffba7db96"
SHA_HUBERT_HF_BIN = "cc8c20f4b90a520757260197a3ff2505705a7adbd20ad9eeaa4e1a9b38442ef5"
SHA_RMVPE = "6d62215f4306e3ca278246188607209f09af3dc77ed4232efdd069798c4ec193"
SHA_V2_F0G48K = "b5d51f589cc3632d4eae36a315b4179397695042edc01d15312e1bddc2b764a4"
SHA_V2_F0D48K = "2269b73c7a4cf34da09aea99274dabf99b2ddb8a42cbfb065fb3c0aa9a2fc748"
SHA_V2_F0D40K = "6b6ab091e70801b28e3f41f335f2fc5f3f35c75b39ae2628d419644ec2b0fa09"
NO_HASH = "no published sha256"


@dataclass(frozen=True)
class AssetFile:
    """One file: ``path`` relative to the assets dir and to the host (or mirror) URL."""

    path: str
    sha256: str | None = None
    size: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Asset:
    """A named set of files fetched together (``rocktop assets fetch NAME``)."""

    name: str
    description: str
    files: tuple[AssetFile, ...]


def _pretrained(version: str) -> list[Asset]:
    folder = "pretrained_v2" if version == "v2" else "pretrained"
    pins: dict[str, tuple[str, int | None]] = {
        "pretrained_v2/f0G48k.pth": (SHA_V2_F0G48K, None),
        "pretrained_v2/f0D48k.pth": (SHA_V2_F0D48K, None),
        "pretrained_v2/f0D40k.pth": (SHA_V2_F0D40K, 142_875_703),
    }
    assets = []
    for f0 in ("f0", ""):
        for net in ("G", "D"):
            for rate in ("32k", "40k", "48k"):
                path = f"{folder}/{f0}{net}{rate}.pth"
                sha, size = pins.get(path, (None, None))
                note = "third-party pin, unverified" if sha else "no published sha256"
                kind = "generator" if net == "G" else "discriminator"
                description = (
                    f"RVC {version} pretrained {kind}, {rate}, {'with' if f0 else 'no'} F0"
                )
                assets.append(
                    Asset(
                        path.removesuffix(".pth"), description, (AssetFile(path, sha, size, note),)
                    )
                )
    return assets


def default_catalog() -> tuple[Asset, ...]:
    """Every asset rocktop knows (HuBERT/ContentVec in both forms, RMVPE, pretrained G/D)."""
    core = [
        Asset(
            "hubert_base",
            "ContentVec-500 in fairseq HuBERT form (RVC's hubert_base.pt)",
            (AssetFile("hubert_base.pt", SHA_HUBERT_PT, 189_507_909),),
        ),
        Asset(
            "contentvec_hf",
            "ContentVec-500 as an HF-layout HuBERT directory (hubert_base/)",
            (
                AssetFile("hubert_base/config.json", note=NO_HASH),
                AssetFile("hubert_base/preprocessor_config.json", note=NO_HASH),
                AssetFile(
                    "hubert_base/pytorch_model.bin", SHA_HUBERT_HF_BIN, note="third-party pin"
                ),
            ),
        ),
        Asset(
            "rmvpe",
            "RMVPE pitch model (rmvpe.pt, fp16 state dict)",
            (AssetFile("rmvpe.pt", SHA_RMVPE, 181_184_272),),
        ),
    ]
    return tuple(core + _pretrained("v2") + _pretrained("v1"))
