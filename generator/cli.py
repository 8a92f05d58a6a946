"""The `cnn-explainer` command: parses arguments, calls one pipeline function, reports. No logic here."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from .resources import default_folder, shown_default
from .wording import counted


def _resolve_defaults(**given: Path | None) -> dict[str, Path]:
    """Fills each folder option left out with its default, and says in one line which ones were used."""
    resolved, used = {}, []
    for name, path in given.items():
        resolved[name] = path if path is not None else default_folder(name)
        if path is None:
            used.append(f"{name}: {shown_default(name)}")
    if used:
        click.echo("using " + "; ".join(used), err=True)
    return resolved


_DEBUG = "cnn_explainer.debug"  # key in click's ctx.meta, which the group and its commands share


def _remember_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[_DEBUG] = True


def _debug_option() -> click.Option:
    """`--debug`, accepted by the group and by every command: the hint says "run with --debug", not where."""
    return click.Option(["--debug"], is_flag=True, expose_value=False, is_eager=True, callback=_remember_debug,
                        help="Show tracebacks for internal errors.")


class _Group(click.Group):
    """Turns InputError into one line and exit status 2, Ctrl-C into 130, anything else into exit status 1."""

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        cmd.params.append(_debug_option())
        super().add_command(cmd, name)

    def invoke(self, ctx: click.Context):
        from .errors import InputError
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except (KeyboardInterrupt, click.Abort):  # Ctrl-C: the conventional 128 + SIGINT, no traceback
            click.echo("interrupted", err=True)
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception as exc:
            if ctx.meta.get(_DEBUG):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (run with --debug for a traceback)", err=True)
            sys.exit(1)


@click.group(cls=_Group, params=[_debug_option()])
@click.version_option(package_name="cnn-explainer")
def main() -> None:
    """Build and explore a static CNN Explainer site around a JAX TinyVGG."""


weights_option = click.option(
    "--weights", type=click.Path(path_type=Path), default=None, show_default=shown_default("weights"),
    help="A TF.js layers model (model.json or its folder), a Keras 3 .keras file or an ONNX .onnx file; "
         "build and serve need a TinyVGG-shaped one, predict takes any supported network.")


content_option = click.option(
    "--content", default=None, show_default=shown_default("content"), type=click.Path(path_type=Path),
    help="Folder with site.toml, the article (<lang>.md) and the sample images.")


classes_option = click.option(
    "--classes", type=click.Path(path_type=Path), default=None, metavar="FILE",
    help="Class names instead of the model's own: a UTF-8 text file, one name per line in the model's "
         "output order (one line per output, 10 for TinyVGG; blank lines are ignored).")


default_sample_option = click.option(
    "--default-sample", default=None, metavar="ID",
    help="The id of the sample shown first (an --images file's name without its suffix, e.g. boat_1 for "
         "boat_1.jpeg); overrides site.toml's default_sample. An id not in the gallery is an error.")


normalize_option = click.option(
    "--normalize", nargs=2, default=None, metavar="MEAN STD",
    help="The input normalisation a PyTorch model was trained with, transforms.Normalize(mean, std): one value "
         "or one per channel, comma-separated (--normalize 0.485,0.456,0.406 0.229,0.224,0.225). An ONNX "
         "file does not record it. Overrides site.toml's normalize.")


def _normalization(given: tuple[str, str] | None):
    from .network.normalization import parse_normalization

    return parse_normalization("--normalize", *given) if given else None


@main.command()
@weights_option
@classes_option
@normalize_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per image.")
@click.option("--top", default=3, show_default=True, type=click.IntRange(1, 32), help="Classes listed per image.")
@click.argument("images", nargs=-1, required=True, type=click.Path(path_type=Path))
def predict(weights: Path | None, classes: Path | None, normalize: tuple[str, str] | None, as_json: bool, top: int,
            images: tuple[Path, ...]) -> None:
    """Classify IMAGE files (or the images in IMAGE folders) and print the top classes of each.

    A file that is not a usable image is skipped with a one-line warning; only when none is usable
    does it fail (exit 2).
    """
    from .model import device_description
    from .network.normalization import normalized
    from .predict import predict_images
    from .weights import load_network

    weights = _resolve_defaults(weights=weights)["weights"]
    model = normalized(load_network(weights, classes), _normalization(normalize), "--normalize")
    started = time.perf_counter()
    results = predict_images(model, images, warn=lambda line: click.echo(f"warning: {line}", err=True))
    if as_json:
        click.echo(json.dumps(results, indent=1, ensure_ascii=False))
        return
    for result in results:
        ranked = sorted(result["probabilities"].items(), key=lambda kv: -kv[1])[:top]
        click.echo(f"{result['image']}: " + ", ".join(f"{name} {p:.1%}" for name, p in ranked))
    click.echo(f"({counted(len(results), 'image')} on {device_description()} in "
               f"{time.perf_counter() - started:.2f} s)", err=True)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
def new(folder: Path) -> None:
    """Start a project in FOLDER (new or empty): the default content and weights, a GitHub Pages
    workflow and a README; then `cd FOLDER && cnn-explainer build`."""
    from .project import create_project, install_source

    files = create_project(folder)
    click.echo(f"wrote {len(files)} files into {folder}; next: cd {folder} && cnn-explainer build")
    if install_source() is None:
        click.echo(f"warning: {folder / 'requirements.txt'}: names no cnn-explainer for the Pages workflow to "
                   "install (it is not on PyPI); its comments say what to write", err=True)


class _InputSize(click.ParamType):
    """`28` (a square) or `HxW` such as `32x48` (height x width), as (height, width)."""

    name = "SIZE"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        parts = str(value).lower().split("x")
        if len(parts) in (1, 2) and all(p.strip().isdigit() for p in parts):
            sides = [int(p) for p in parts]
            return (sides[0], sides[-1])
        self.fail(f"{value!r} is not a size: give one number (28) or height x width (32x48)", param, ctx)


@main.command()
@click.option("--data", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Dataset folder with train/<class>/ and val/<class>/ sub-folders.")
@click.option("--epochs", default=150, show_default=True, type=click.IntRange(1, 10_000),
              help="Passes over train/ (the learning-rate schedule spans them all); the held-out split keeps "
                   "the best epoch, or with --holdout 0 the last.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="Seeds the initial weights, the shuffling, the augmentation and the hold-out split; the "
                   "same seed on the CPU gives the same weights.")
@click.option("--holdout", default=0.1, show_default=True, type=click.FloatRange(0, 0.5),
              help="Fraction of each class of train/ held out to choose the epoch; 0 trains on all of "
                   "train/ and keeps the last epoch (use an epoch count chosen by an earlier held-out run).")
@click.option("--out", default=Path("runs/latest"), show_default=True, type=click.Path(path_type=Path),
              help="Folder for model.json, the shard, history.json and MODEL_CARD.md: missing, empty or an "
                   "earlier run's (checked before training; never the current or home folder).")
@click.option("--force", is_flag=True, help="Replace the model an earlier run left in --out.")
@click.option("--teacher", "teachers", multiple=True, type=click.Path(path_type=Path),
              help="A trained model (model.json or its folder) to distil from; repeat for an ensemble. "
                   "Each image's target is then the teachers' mean prediction instead of its label.")
@click.option("--init", type=click.Path(path_type=Path),
              help="A trained model (model.json or its folder) of the network the options describe, to start "
                   "from instead of random weights: fine-tuning. Give it as --teacher too to keep what it predicts.")
@click.option("--learning-rate", default=4e-3, show_default=True, type=click.FloatRange(min=0, min_open=True),
              help="Peak learning rate of the warm-up + cosine schedule; lower it for a fine-tune (--init).")
@click.option("--input-size", default="64", show_default=True, type=_InputSize(),
              help="Input in pixels: one number for a square (28) or HxW (32x48), 8 to 128 a side; images are "
                   "centre-cropped to its shape and resized.")
@click.option("--greyscale", "--grayscale", "greyscale", is_flag=True,
              help="One input channel (the luma of each picture) instead of RGB.")
@click.option("--filters", default=10, show_default=True, type=int, help="Filters per convolution, 1 to 32.")
@click.option("--padding", default="valid", show_default=True, type=click.Choice(["valid", "same"]),
              help="Convolution padding: valid shrinks each map by 2 pixels, same keeps its size.")
@click.option("--blocks", default=2, show_default=True, type=int,
              help="Conv-ReLU-conv-ReLU-max-pool blocks, as many as the input size leaves pixels for.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train(data: Path, epochs: int, seed: int, holdout: float, out: Path, force: bool, teachers: tuple[Path, ...],
          init: Path | None, learning_rate: float, input_size: tuple[int, int], greyscale: bool, filters: int,
          padding: str, blocks: int, quiet: bool) -> None:
    """Train a TinyVGG-style network (TinyVGG by default) on an image-folder dataset of 2 to 32 classes
    and write TF.js weights plus a model card."""
    from .model import device_description
    from .train import TrainConfig
    from .train import train as run_training

    click.echo(f"training on {device_description()}", err=True)
    run_training(TrainConfig(data=data, out=out, epochs=epochs, seed=seed, holdout_fraction=holdout,
                             teachers=teachers, init=init, learning_rate=learning_rate, force=force,
                             input_size=input_size, greyscale=greyscale,
                             filters=filters, padding=padding, blocks=blocks),
                 log=lambda line: click.echo(line, err=True), progress=not quiet)


@main.command()
@content_option
@weights_option
@classes_option
@click.option("--images", multiple=True, type=click.Path(path_type=Path),
              help="Image files or folders for the gallery instead of site.toml's samples. Takes several "
                   "(`--images photos/*.jpg`): the paths after it are images too. A file that is not a "
                   "usable image is skipped with a one-line warning; the build fails (exit 2) only if "
                   "none is usable.")
@click.option("--out", default=Path("build"), show_default=True, type=click.Path(path_type=Path),
              help="Output folder; replaced whole, and only if it is empty or a previous build (never the "
                   "current or home folder). A second build into it waits for the first.")
@click.option("--base-url", default=None, metavar="URL",
              help="Where the site will be published (for its canonical link); overrides site.toml.")
@default_sample_option
@normalize_option
@click.argument("more_images", nargs=-1, type=click.Path(path_type=Path), metavar="[IMAGES]...")
def build(content: Path | None, weights: Path | None, classes: Path | None, images: tuple[Path, ...], out: Path,
          base_url: str | None, default_sample: str | None, normalize: tuple[str, str] | None,
          more_images: tuple[Path, ...]) -> None:
    """Build the static site: run the model on every sample and write pages, data and assets."""
    from .build import BuildOptions, build_site

    content, weights = _resolve_defaults(content=content, weights=weights).values()
    options = BuildOptions(content=content, weights=weights, out=out, images=(*images, *more_images), base_url=base_url,
                           classes=classes, default_sample=default_sample, normalize=_normalization(normalize))
    summary = build_site(options,
                         report=lambda stage, seconds: click.echo(f"  {stage:<44} {seconds:6.2f} s", err=True),
                         warn=lambda line: click.echo(f"warning: {line}", err=True))
    from .errors import printable
    click.echo(f"built {printable(summary.out)} in {summary.seconds:.1f} s: {counted(summary.samples, 'image')} on "
               f"{summary.device}, {counted(summary.files, 'file')}, {summary.bytes / 1e6:.1f} MB")


@main.command()
@content_option
@weights_option
@classes_option
@click.option("--images", multiple=True, type=click.Path(path_type=Path),
              help="Image files or folders for the gallery instead of site.toml's samples (watched too).")
@click.option("--out", default=Path("build"), show_default=True, type=click.Path(path_type=Path),
              help="Output folder, rebuilt on every change (only if it is empty or a previous build).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port on 127.0.0.1; 0 picks a free one.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in the default web browser.")
@default_sample_option
@normalize_option
@click.argument("more_images", nargs=-1, type=click.Path(path_type=Path), metavar="[IMAGES]...")
def serve(content: Path | None, weights: Path | None, classes: Path | None, images: tuple[Path, ...], out: Path,
          port: int, open_browser: bool, default_sample: str | None, normalize: tuple[str, str] | None,
          more_images: tuple[Path, ...]) -> None:
    """Build, serve on 127.0.0.1, rebuild what changed and reload the open page; Ctrl-C stops."""
    from .build import BuildOptions
    from .serve import ServeOptions
    from .serve import serve as run_server

    content, weights = _resolve_defaults(content=content, weights=weights).values()
    options = BuildOptions(content=content, weights=weights, out=out, images=(*images, *more_images),
                           classes=classes, default_sample=default_sample, normalize=_normalization(normalize))
    run_server(ServeOptions(build=options, port=port, open_browser=open_browser),
               log=lambda line: click.echo(line, err=True))
