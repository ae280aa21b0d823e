"""RVC's training losses (spec §7.6): LSGAN adversarial, feature matching, mel L1, KL.

All losses are computed in float32 (RVC casts discriminator outputs with ``.float()``), so they
are safe under mixed precision.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

FEATURE_MATCHING_WEIGHT = 2.0


def discriminator_loss(
    real: Sequence[torch.Tensor], fake: Sequence[torch.Tensor]
) -> tuple[torch.Tensor, list[float], list[float]]:
    """LSGAN D loss ``sum_d mean((1 - D(y))^2) + mean(D(y_hat)^2)``.

    Returns the total and the per-discriminator real and fake terms (floats, for logging).
    """
    total = torch.zeros((), device=real[0].device)
    real_terms, fake_terms = [], []
    for dr, dg in zip(real, fake, strict=True):
        r = torch.mean((1 - dr.float()) ** 2)
        g = torch.mean(dg.float() ** 2)
        total = total + r + g
        real_terms.append(float(r.detach()))
        fake_terms.append(float(g.detach()))
    return total, real_terms, fake_terms


def generator_adversarial_loss(fake: Sequence[torch.Tensor]) -> torch.Tensor:
    """LSGAN G loss ``sum_d mean((1 - D(y_hat))^2)``."""
    total = torch.zeros((), device=fake[0].device)
    for dg in fake:
        total = total + torch.mean((1 - dg.float()) ** 2)
    return total


def feature_matching_loss(
    fmap_real: Sequence[Sequence[torch.Tensor]], fmap_fake: Sequence[Sequence[torch.Tensor]]
) -> torch.Tensor:
    """``2 * sum mean|f_r - f_g|`` over every feature map of every discriminator."""
    total = torch.zeros((), device=fmap_real[0][0].device)
    for dr, dg in zip(fmap_real, fmap_fake, strict=True):
        for r, g in zip(dr, dg, strict=True):
            total = total + torch.mean(torch.abs(r.float().detach() - g.float()))
    return total * FEATURE_MATCHING_WEIGHT


def kl_loss(
    z_p: torch.Tensor,
    logs_q: torch.Tensor,
    m_p: torch.Tensor,
    logs_p: torch.Tensor,
    mask: torch.Tensor,
) -> torch.Tensor:
    """VITS KL term between posterior (after flow) and prior, averaged over valid frames.

    ``z_p, logs_q`` come from the posterior, ``m_p, logs_p`` from the prior, all
    ``[B, C, T]``; ``mask [B, 1, T]``.
    """
    z_p, logs_q, m_p, logs_p, mask = (t.float() for t in (z_p, logs_q, m_p, logs_p, mask))
    kl = logs_p - logs_q - 0.5
    kl = kl + 0.5 * ((z_p - m_p) ** 2) * torch.exp(-2.0 * logs_p)
    return torch.sum(kl * mask) / torch.sum(mask).clamp(min=1.0)


def mel_l1_loss(mel_real: torch.Tensor, mel_fake: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference of two log-mel spectrograms ``[B, n_mels, F]`` (unweighted)."""
    return torch.nn.functional.l1_loss(mel_fake.float(), mel_real.float())
