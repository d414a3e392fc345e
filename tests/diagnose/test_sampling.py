"""`missing-eval` tells sampling (a generator's output only drawn as images) from evaluation.

Static analysis of real snippets, and the rule on recorded observations (no child process).
"""

from __future__ import annotations

import textwrap

import pytest

from dllab.diagnose.api import build_report
from dllab.diagnose.rules._sampling import sampling_at, sampling_site
from dllab.diagnose.runner import RunResult
from dllab.diagnose.static import Source


def parse(code: str) -> Source:
    return Source.parse("script.py", textwrap.dedent(code))


def line_of(src: Source, needle: str) -> int:
    return next(i for i, text in enumerate(src.text.splitlines(), 1) if needle in text)


DCGAN = """
import torch
import torchvision.utils as vutils
for i, data in enumerate(dataloader):
    fake = netG(noise)
    errD_fake = criterion(netD(fake.detach()).view(-1), label)
    if i % 500 == 0:
        with torch.no_grad():
            fake = netG(fixed_noise).detach().cpu()
        img_list.append(vutils.make_grid(fake, padding=2, normalize=True))
"""


@pytest.mark.parametrize(
    ("code", "needle"),
    [
        (DCGAN, "netG(fixed_noise)"),
        (
            """
            with torch.no_grad():
                samples = G(z)
            samples = (samples + 1) / 2
            writer.add_image("samples", torchvision.utils.make_grid(samples[:16]), step)
            """,
            "G(z)",
        ),
        (
            """
            with torch.no_grad():
                vutils.save_image(netG(fixed_noise).detach(), "fake.png", normalize=True)
            """,
            "netG(",
        ),
        (
            """
            import numpy as np
            from PIL import Image
            def to_png(batch, path):
                tiles = batch.clamp(0, 1).mul(255).byte().numpy()
                rows = [np.concatenate(list(tiles[i:i + 8, 0]), axis=1) for i in range(0, len(tiles), 8)]
                Image.fromarray(np.concatenate(rows, axis=0)).save(path)
            with torch.no_grad():
                sample = model.decode(torch.randn(64, 20)).cpu()
                to_png(sample.view(64, 1, 28, 28), "sample.png")
            """,
            "model.decode(",
        ),
        (
            """
            grids = []
            with torch.no_grad():
                for z in zs:
                    grids.append(gen(z))
            wandb.log({"samples": wandb.Image(torch.cat(grids)), "step": step})
            """,
            "gen(z)",
        ),
    ],
    ids=["dcgan-tutorial", "tensorboard", "save-inline", "vae-own-helper", "collected"],
)
def test_output_only_drawn_as_images_is_sampling(code: str, needle: str) -> None:
    src = parse(code)
    assert sampling_at(src, line_of(src, needle))


@pytest.mark.parametrize(
    ("code", "needle"),
    [
        (
            """
            with torch.no_grad():
                val = loss_fn(model(Xva), yva).item()
            """,
            "model(Xva)",
        ),
        (
            """
            with torch.no_grad():
                recon = model(held_out)
                val_loss = F.mse_loss(recon, held_out).item()
            save_image(recon[:8], "recon.png")
            """,
            "model(held_out)",
        ),
        (
            """
            preds = []
            with torch.no_grad():
                for x, y in val_loader:
                    preds.append(model(x).argmax(1))
            acc = (torch.cat(preds) == labels).float().mean()
            """,
            "model(x)",
        ),
        (
            """
            with torch.no_grad():
                print(model(x_test))
            """,
            "model(x_test)",
        ),
        (
            """
            with torch.no_grad():
                out = model(x)
            """,
            "model(x)",
        ),
        (
            """
            with torch.no_grad():
                score = netD(netG(z)).mean()
            save_image(netG(z), "x.png")
            """,
            "netD(",
        ),
    ],
    ids=["loss", "saved-and-scored", "collected-and-compared", "printed", "unused", "scored-by-D"],
)
def test_output_that_feeds_anything_else_is_not_sampling(code: str, needle: str) -> None:
    src = parse(code)
    assert not sampling_at(src, line_of(src, needle))


VAE = """
class VAE(nn.Module):
    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        return self.decode(self.encode(x))

with torch.no_grad():
    sample = model.decode(torch.randn(64, 20)).cpu()
    save_image(sample, "sample.png")
with torch.no_grad():
    val = F.mse_loss(model.decode(z_val), x_val)
"""


def test_a_helper_that_returns_the_output_is_judged_by_its_recorded_callers() -> None:
    src = parse(VAE)
    inner, sample, val = (line_of(src, s) for s in ("return self.decoder", "sample = ", "val = "))
    assert sampling_site(src, inner, [[sample, 99]])
    assert not sampling_site(src, inner, [[sample], [val]])  # also evaluated
    assert not sampling_site(src, inner, None)  # callers not all kept
    assert not sampling_site(src, inner, [[]])  # the caller is in another file


def run_report(code: str, line: int, count: int = 5, **extra: object) -> list[tuple[str, str]]:
    """The report for `code` after a run that saw `count` no_grad forwards in training mode at `line`."""
    src = parse(code)
    site = {
        "file": "script.py",
        "line": line,
        "count": count,
        "model": "Generator",
        "modules": ["main.1"],
        "n_modules": 1,
        "types": ["BatchNorm2d"],
        **extra,
    }
    obs = {
        "outcome": {"status": "completed"},
        "steps": 20,
        "models": [{"name": "Generator", "class": "Generator", "mode_modules": ["main.1"]}],
        "sites": {"eval_in_train_mode": [site]},
        "counters": {"eval_forwards": count, "eval_forwards_train_mode": count},
    }
    report = build_report("script.py", src, RunResult(observations=obs, returncode=0))
    return [(f.check, f.severity.value) for f in report.findings if f.check == "missing-eval"]


def test_the_rule_is_silent_on_sampling_and_reports_evaluation() -> None:
    src = parse(DCGAN)
    assert run_report(DCGAN, line_of(src, "netG(fixed_noise)")) == []
    assert run_report(DCGAN, line_of(src, "netD(fake.detach())")) == [("missing-eval", "error")]
    vae = parse(VAE)
    inner = line_of(vae, "return self.decoder")
    assert run_report(VAE, inner, callers=[[["script.py", line_of(vae, "sample = ")]]]) == []
    both = [[["script.py", line_of(vae, "sample = ")]], [["script.py", line_of(vae, "val = ")]]]
    assert run_report(VAE, inner, callers=both) == [("missing-eval", "error")]
