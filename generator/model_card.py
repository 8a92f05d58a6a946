"""MODEL_CARD.md for weights that `cnn-explainer train` produced: what, from what, how well, how."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .network.description import TINYVGG, Architecture, output_shapes, param_count

if TYPE_CHECKING:
    from .train import EpochStats, TrainConfig


_GREY = 'greyscale (Pillow\'s "L" luma of the RGB picture)'


def _parameters(count: int) -> str:
    """"20k" for TinyVGG's 19,920 as the Limits paragraph has always said it; small counts in full."""
    return f"{round(count / 1000)}k" if count >= 10_000 else f"{count:,}"


def _architecture(arch: Architecture) -> list[str]:
    """The network trained, as the card's Architecture section: input, blocks, filters, padding, sizes."""
    height, width, channels = arch.input_shape
    convs = [layer for layer in arch.layers if layer.kind == "conv"]
    blocks = sum(layer.kind == "pool" for layer in arch.layers)
    shapes = dict(zip((layer.name for layer in arch.layers), output_shapes(arch)))
    pooled = shapes[[layer.name for layer in arch.layers if layer.kind == "pool"][-1]]
    return [
        "## Architecture",
        "",
        f"- Input: {height}x{width} pixels, {'greyscale (1 channel)' if channels == 1 else 'RGB (3 channels)'}.",
        f"- {blocks} block{'s' * (blocks != 1)} of conv 3x3 - ReLU - conv 3x3 - ReLU - max pool 2x2, "
        f"{convs[0].filters} filters per convolution, `{convs[0].padding}` padding; "  # type: ignore[union-attr]
        f"the last block gives {pooled[0]}x{pooled[1]}x{pooled[2]}.",
        f"- Flatten ({shapes['flatten'][0]:,} values, (H, W, C) order), then Dense to "
        f"{arch.layers[-1].units} classes with softmax.",  # type: ignore[union-attr]
        f"- {param_count(arch):,} parameters.",
        "",
    ]


def render_model_card(class_names: tuple[str, ...], history: list[EpochStats], summary: dict,
                      config: TrainConfig, arch: Architecture = TINYVGG) -> str:
    """The card for one run of `arch`; TinyVGG's own card names it, any other calls it TinyVGG-style."""
    matrix = summary["confusion_matrix"]
    counts = summary["counts"]
    height, width, channels = arch.input_shape
    convs = sum(layer.kind == "conv" for layer in arch.layers)
    is_tinyvgg = arch == TINYVGG
    lines = [
        "# TinyVGG model card" if is_tinyvgg else "# TinyVGG-style model card",
        "",
        ("TinyVGG (19,920 parameters), the architecture of the original CNN Explainer" if is_tinyvgg else
         f"A TinyVGG-style network ({param_count(arch):,} parameters, {len(class_names)} classes)")
        + ", trained by `cnn-explainer train`. Weights are in the TF.js layers-model format (`model.json` + "
        "`group1-shard1of1.bin`); the class names are stored in `userDefinedMetadata.class_names`.",
        "",
        *_architecture(arch),
        "## Data",
        "",
        f"- Dataset folder: `{config.data.name}` ({len(class_names)} classes).",
        f"- Trained on {counts['train']:,} images of `train/`; {counts['holdout']:,} more from `train/` "
        f"({config.holdout_fraction:.0%} of each class, chosen by the seed) were held out to pick the epoch."
        if counts["holdout"] else
        f"- Trained on all {counts['train']:,} images of `train/` for {config.epochs} epochs, keeping the last "
        "epoch: the epoch count was fixed before the run (`--holdout 0`), nothing was held out to choose it.",
        f"- Accuracy below is on the {counts['val']:,} images of `val/`, which this run neither trained on nor "
        "chose anything by.",
        f"- Preprocessing: {height}x{width} {_GREY if channels == 1 else 'RGB'}, "
        "byte / 255, no normalisation; one forward pass per image.",
        "",
        "## Accuracy on val/",
        "",
        f"**Top-1: {summary['val_accuracy']:.1%}** (loss {summary['val_loss']:.3f}), "
        f"from epoch {summary['best_epoch']} of {config.epochs}.",
        "",
        "| class | accuracy |",
        "|---|---:|",
        *[f"| {name} | {summary['per_class_accuracy'][name]:.0%} |" for name in class_names],
        "",
        "## Confusion matrix on val/",
        "",
        "Rows are the true class, columns the predicted class.",
        "",
        "| true \\ predicted | " + " | ".join(class_names) + " |",
        "|---|" + "---:|" * len(class_names),
        *[f"| {name} | " + " | ".join(str(v) for v in row) + " |" for name, row in zip(class_names, matrix)],
        "",
        "## Training",
        "",
        f"- Command: `{summary['command'] or 'cnn-explainer train'}`",
        f"- Seed {config.seed}; {config.epochs} epochs of batch {config.batch_size}; AdamW "
        f"(peak learning rate {config.learning_rate}, weight decay {config.weight_decay}), "
        f"{config.warmup_epochs}-epoch warm-up then cosine decay; label smoothing {config.label_smoothing}; "
        f"random crops from a {config.crop_padding}-pixel reflect padding, horizontal flips, colour jitter "
        f"±{config.colour_jitter:.0%}; weights are an exponential moving average (decay {config.ema_decay}).",
        *([f"- Distilled from {len(config.teachers)} teacher model(s): the target for each training image is "
           "the teachers' mean prediction on the same augmented image, not its label (so no label "
           "smoothing). The teachers:"] if config.teachers else []),
        *[f"  - `{t['path']}`" + (f": val top-1 {t['val_accuracy']:.1%}" if t.get("val_accuracy") is not None else "")
          + (f", trained by `{t['command']}`" if t.get("command") else "") for t in summary.get("teachers", [])],
        *([f"- Fine-tuned: started from the weights of `{init['path']}`"
           + (", the teacher above" if init in summary.get("teachers", []) else
              (f" (val top-1 {init['val_accuracy']:.1%})" if init.get("val_accuracy") is not None else "")
              + (f", trained by `{init['command']}`" if init.get("command") else ""))
           + ", not from random ones."]
          if (init := summary.get("init")) else []),
        *([f"- Each convolution's mean ReLU output was held at {summary['readable_share']:.0%} or more of the "
           "half-range the site draws it with, so that its maps are not drawn near white (`train.py`)."]
          if summary.get("readable_share") else []),
        f"- Took {summary['train_seconds'] / 60:.1f} min on {summary['device']}.",
        "- Per-epoch losses and accuracies: `history.json`.",
        "",
        "## Limits",
        "",
        f"It gets {summary['val_errors']} of {counts['val']} val/ images wrong. A "
        f"{_parameters(param_count(arch))}-parameter network sees {height}x{width} images through "
        f"{_count_words(convs)} 3x3 convolutions, so it leans on {'brightness' if channels == 1 else 'colour'} "
        "and coarse texture more "
        "than on shape. Its commonest confusions on val/: "
        + "; ".join(f"{true} taken for {pred} ({n})" for true, pred, n in _top_confusions(class_names, matrix))
        + ". It knows only these classes and names one of them for any image.",
        "",
    ]
    return "\n".join(lines)


def _count_words(n: int) -> str:
    """Small counts as words ("four 3x3 convolutions"), as prose writes them."""
    words = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[n] if n < len(words) else str(n)


def _top_confusions(class_names: tuple[str, ...], matrix: list[list[int]], count: int = 4) -> list:
    pairs = [(matrix[t][p], class_names[t], class_names[p])
             for t in range(len(class_names)) for p in range(len(class_names)) if t != p and matrix[t][p]]
    return [(true, pred, n) for n, true, pred in sorted(pairs, key=lambda x: (-x[0], x[1], x[2]))[:count]]
