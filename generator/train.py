"""Train a TinyVGG-style network with JAX + optax on an image-folder dataset; write TF.js weights and a model card.

The network is TinyVGG by default; the options choose its input size, greyscale or colour, filters per
convolution, padding and the number of conv-relu-conv-relu-maxpool blocks (`description.tinyvgg_like`),
and the dataset's class folders choose its outputs.

Recipe (chosen on a slice held out from train/, never on val/): AdamW with a warm-up + cosine
learning-rate schedule, label smoothing, random crops from a reflect-padded image, horizontal
flips and mild colour jitter, and an exponential moving average of the weights, which is what
gets evaluated and saved. The epoch whose EMA weights score best on the held-out slice wins;
val/ is touched only to report accuracy.

Distillation: given teacher models (`--teacher`, earlier runs of this command), the target for each
image is the teachers' mean prediction on the very same augmented batch instead of its label. An
ensemble of TinyVGGs is more accurate than any one of them, and a TinyVGG trained to match the
ensemble keeps much of that gain at the same 19,920 parameters. (Mixing the label back in scored
lower on the held-out slice.) A teacher must predict the dataset's classes and take the same input
as the network trained; inside, it may be any network `predict` runs.

Readable maps: the site draws a ReLU or pooling column with its convolution's symmetric colour range (the
original CNN Explainer's "unit" rule, 2 * (0.1 + the largest |value|)). Left alone, training tends to make
convolutions whose largest magnitudes are rare strong negatives, so the positive half that survives the
ReLU is drawn in the palest blues. A hinge on each convolution's mean positive output, as a share of
that range's half, costs nothing once a layer reaches READABLE_SHARE and pulls it up below that.

Fine-tuning: `--init` starts from a trained model's weights instead of random ones; with the same model as
the teacher, the run keeps what it predicts while the hinge reshapes its maps.
"""

from __future__ import annotations

import functools
import json
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .dataset import Split, class_folders, load_split
from .errors import InputError, printable
from .model import Params, device_description, forward_network, init_params
from .model_card import render_model_card
from .model_output import CARD_FILE, HISTORY_FILE, check_model_out, write_model
from .network.description import MAX_FILTERS, MAX_SIDE, MIN_SIDE, Architecture, Conv2D, check, param_count, tinyvgg_like
from .weights import Model, load_network, model_files, resolve_model_file, validate_class_names

EVAL_BATCH = 250
READABLE_SHARE = 0.12  # mean drawn intensity a convolution's ReLU output should reach; the original model's is 12-22%
READABLE_WEIGHT = 6.0  # the hinge's weight beside the cross-entropy: enough to lift a faint layer in a few epochs


@dataclass(frozen=True)
class TrainConfig:
    data: Path
    out: Path
    epochs: int = 150
    seed: int = 0
    batch_size: int = 64
    learning_rate: float = 4e-3
    weight_decay: float = 1e-4
    warmup_epochs: int = 2
    label_smoothing: float = 0.1
    crop_padding: int = 6
    colour_jitter: float = 0.1
    ema_decay: float | None = None  # None: the run's length sets it (ema_decay_for)
    holdout_fraction: float = 0.1  # of each class in train/, for choosing the epoch; 0: keep the last
    teachers: tuple[Path, ...] = ()  # TF.js models whose mean prediction replaces the (smoothed) label
    init: Path | None = None  # a trained model whose weights the run starts from (fine-tuning); None: random
    force: bool = False  # replace a model already in `out` (model_output.py)
    # The network (description.tinyvgg_like); the defaults are TinyVGG, the class count is the dataset's.
    input_size: tuple[int, int] = (64, 64)  # (height, width)
    greyscale: bool = False  # one input channel, Pillow's "L" luma of the RGB picture
    filters: int = 10  # per convolution
    padding: str = "valid"  # of every convolution: "valid" or "same"
    blocks: int = 2  # conv-relu-conv-relu-maxpool blocks

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (*self.input_size, 1 if self.greyscale else 3)


Teachers = tuple[tuple[Architecture, Params], ...]  # per architecture, its teachers' weights stacked on axis 0


def network_architecture(config: TrainConfig, classes: int) -> Architecture:
    """The network the options describe, refused in one line naming the option when we cannot train or draw it."""
    height, width = config.input_size
    if not (MIN_SIDE <= height <= MAX_SIDE and MIN_SIDE <= width <= MAX_SIDE):
        raise InputError(f"--input-size {height}x{width}", f"supported: {MIN_SIDE} to {MAX_SIDE} pixels a side")
    if not 1 <= config.filters <= MAX_FILTERS:
        raise InputError(f"--filters {config.filters}", f"supported: 1 to {MAX_FILTERS} filters per convolution")
    if config.padding not in ("valid", "same"):
        raise InputError(f"--padding {config.padding}", "supported: valid or same")
    if config.blocks < 1:
        raise InputError(f"--blocks {config.blocks}", "the network needs at least 1 block")

    def build(blocks: int) -> Architecture:
        return tinyvgg_like(config.input_shape, blocks, config.filters, config.padding, classes)  # type: ignore[arg-type]

    arch = build(config.blocks)
    try:
        check(f"--blocks {config.blocks}", arch)
    except InputError as exc:
        fit = 0
        for blocks in range(1, config.blocks):
            try:
                check("", build(blocks))
            except InputError:
                break
            fit = blocks
        raise InputError(exc.source, f"too many for a {height}x{width} input with {config.padding} padding: "
                                     f"{exc.problem}; at most {fit} fit") from None
    return arch


def describe_network(arch: Architecture) -> str:
    """The network in one line the log shows: "64x64 RGB input, 2 blocks of 10 filters, valid padding, ..."."""
    height, width, channels = arch.input_shape
    blocks = sum(layer.kind == "pool" for layer in arch.layers)
    first = arch.layers[0]
    return (f"{height}x{width} {'greyscale' if channels == 1 else 'RGB'} input, {blocks} block{'s' * (blocks != 1)} "
            f"of {first.filters} filters, {first.padding} padding, {arch.layers[-1].units} classes, "  # type: ignore[union-attr]
            f"{param_count(arch):,} parameters")


@dataclass
class EpochStats:
    epoch: int
    train_loss: float
    train_accuracy: float
    holdout_loss: float | None  # None when nothing is held out
    holdout_accuracy: float | None
    val_loss: float
    val_accuracy: float
    seconds: float


def split_holdout(train: Split, fraction: float, seed: int) -> tuple[Split, Split]:
    """Hold out the same fraction of every class, chosen by the seed (none when fraction is 0)."""
    if fraction <= 0:
        return train, Split(train.images[:0], train.labels[:0])
    rng = np.random.default_rng(seed)
    held = []
    for label in np.unique(train.labels):
        members = np.flatnonzero(train.labels == label)
        held.extend(rng.choice(members, size=max(1, round(len(members) * fraction)), replace=False))
    mask = np.zeros(len(train.labels), bool)
    mask[np.asarray(held)] = True
    return (Split(train.images[~mask], train.labels[~mask]), Split(train.images[mask], train.labels[mask]))


def _augment(key: jax.Array, images: jax.Array, config: TrainConfig) -> jax.Array:
    """Random crop of a reflect-padded copy, random horizontal flip, brightness/contrast/saturation."""
    batch, height, width, channels = images.shape
    pad = config.crop_padding
    k_crop, k_flip, k_jit = jax.random.split(key, 3)
    padded = jnp.pad(images, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect")
    offsets = jax.random.randint(k_crop, (batch, 2), 0, 2 * pad + 1)
    crops = jax.vmap(lambda img, o: jax.lax.dynamic_slice(img, (o[0], o[1], 0), (height, width, channels)))(
        padded, offsets)
    flip = jax.random.bernoulli(k_flip, 0.5, (batch, 1, 1, 1))
    x = jnp.where(flip, crops[:, :, ::-1, :], crops)
    s = config.colour_jitter
    factors = jax.random.uniform(k_jit, (3, batch, 1, 1, 1), minval=1 - s, maxval=1 + s)
    x = x * factors[0]
    mean = x.mean(axis=(1, 2, 3), keepdims=True)
    x = (x - mean) * factors[1] + mean
    grey = x.mean(axis=3, keepdims=True)  # a greyscale image is its own mean: saturation leaves it alone
    x = (x - grey) * factors[2] + grey
    return jnp.clip(x, 0.0, 1.0)


def _logits(arch: Architecture, params: Params, images: jax.Array) -> jax.Array:
    return forward_network(arch, params, images)["logits"]


def unreadability(arch: Architecture, outputs: dict[str, jax.Array]) -> jax.Array:
    """How far, on average over the batch and the convolutions, each falls short of READABLE_SHARE.

    A convolution's share is the mean of its ReLU'd output over the half-range the page draws it with,
    0.1 + max|value| (encode's unit range): 0 draws its ReLU column white, 1 full colour.
    """
    shortfalls = []
    for layer in arch.layers:
        if isinstance(layer, Conv2D):
            z = outputs[layer.name]
            share = jnp.mean(jax.nn.relu(z), axis=(1, 2, 3)) / (0.1 + jnp.max(jnp.abs(z), axis=(1, 2, 3)))
            shortfalls.append(jax.nn.relu(READABLE_SHARE - share).mean())
    return sum(shortfalls) / len(shortfalls) if shortfalls else jnp.float32(0)


def _loss(params: Params, arch: Architecture, images: jax.Array, labels: jax.Array,
          targets: jax.Array) -> tuple[jax.Array, jax.Array]:
    outputs = forward_network(arch, params, images)
    logits = outputs["logits"]
    loss = optax.softmax_cross_entropy(logits, targets).mean() + READABLE_WEIGHT * unreadability(arch, outputs)
    return loss, (jnp.argmax(logits, -1) == labels).mean()


def _targets(config: TrainConfig, classes: int, teachers: Teachers | None, images: jax.Array,
             labels: jax.Array) -> jax.Array:
    """The teachers' mean probabilities when there are teachers, else the smoothed one-hot labels."""
    if teachers is None:
        return optax.smooth_labels(jax.nn.one_hot(labels, classes), config.label_smoothing)
    probabilities = [jax.vmap(lambda p, a=arch: jax.nn.softmax(_logits(a, p, images)))(stacked)
                     for arch, stacked in teachers]
    return (probabilities[0] if len(probabilities) == 1 else jnp.concatenate(probabilities)).mean(axis=0)


EMA_HORIZON = 500  # steps the weights' moving average spans at most (decay 0.998): about 6 epochs of TinyVGG
EMA_SHARE = 1 / 12  # and at most this share of the run, so that a short run (a fine-tune) averages only its end


def ema_decay_for(steps: int) -> float:
    """The moving average's decay for a run of `steps` steps: 1 - 1/horizon, rounded to 4 decimals for the card."""
    return round(1.0 - 1.0 / max(1.0, min(EMA_HORIZON, steps * EMA_SHARE)), 4)


def make_optimizer(config: TrainConfig, steps_per_epoch: int) -> optax.GradientTransformation:
    total = config.epochs * steps_per_epoch
    warmup = min(config.warmup_epochs * steps_per_epoch, total // 2)
    schedule = optax.warmup_cosine_decay_schedule(
        0.0, config.learning_rate, warmup, total, end_value=config.learning_rate * 1e-3)
    return optax.adamw(schedule, weight_decay=config.weight_decay)


def make_train_step(config: TrainConfig, optimizer: optax.GradientTransformation, arch: Architecture,
                    teachers: Teachers | None = None) -> Callable:
    """One jitted step of `arch`; `teachers` as load_teachers returns them."""
    classes = arch.layers[-1].units  # type: ignore[union-attr]

    @jax.jit
    def step(params, opt_state, ema, images_u8, labels, key):
        images = _augment(key, images_u8.astype(jnp.float32) / 255.0, config)
        targets = _targets(config, classes, teachers, images, labels)
        (loss, acc), grads = jax.value_and_grad(_loss, has_aux=True)(params, arch, images, labels, targets)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        ema = optax.incremental_update(params, ema, 1.0 - config.ema_decay)
        return params, opt_state, ema, loss, acc
    return step


@functools.cache
def _evaluator(arch: Architecture) -> Callable[[Params, jax.Array, jax.Array], tuple[jax.Array, jax.Array]]:
    """Per-image loss and predicted label for one batch, jitted once per architecture."""
    @jax.jit
    def evaluate(params: Params, images_u8: jax.Array, labels: jax.Array) -> tuple[jax.Array, jax.Array]:
        logits = _logits(arch, params, images_u8.astype(jnp.float32) / 255.0)
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels)
        return loss, jnp.argmax(logits, -1)
    return evaluate


def predict_split(arch: Architecture, params: Params, split: Split) -> tuple[float, np.ndarray]:
    """Mean loss and the predicted label of every image (fixed batch size: one compilation)."""
    evaluate = _evaluator(arch)
    losses, preds = [], []
    for start in range(0, len(split.labels), EVAL_BATCH):
        images, labels = split.images[start:start + EVAL_BATCH], split.labels[start:start + EVAL_BATCH]
        n = len(labels)
        if n < EVAL_BATCH:  # pad the last batch rather than compile a second shape
            images = np.concatenate([images, np.zeros((EVAL_BATCH - n, *images.shape[1:]), images.dtype)])
            labels = np.concatenate([labels, np.zeros(EVAL_BATCH - n, labels.dtype)])
        loss, pred = evaluate(params, images, labels)
        losses.append(np.asarray(loss)[:n])
        preds.append(np.asarray(pred)[:n])
    return float(np.concatenate(losses).mean()), np.concatenate(preds)


def confusion_matrix(labels: np.ndarray, preds: np.ndarray, n: int) -> np.ndarray:
    """Rows: true class, columns: predicted class."""
    matrix = np.zeros((n, n), dtype=np.int64)
    np.add.at(matrix, (labels, preds), 1)
    return matrix


def train(config: TrainConfig, log: Callable[[str], None] = print, progress: bool = True) -> dict:
    """Train, keep the best epoch's EMA weights, write weights/history/model card; return the summary."""
    started = time.perf_counter()
    # Everything that can be refused is refused before the images load and the hours of training, not after.
    folders = class_folders(config.data)
    class_names = validate_class_names(config.data / "train", [f.replace("_", " ") for f in folders], len(folders))
    arch = network_architecture(config, len(class_names))
    check_model_out(config.out, _inputs(config), config.force)
    teachers = load_teachers(config.teachers, class_names, arch)
    start = load_init(config.init, class_names, arch)
    log(f"network: {describe_network(arch)}")
    log(f"loading {printable(config.data)} ({len(folders)} classes)")

    def warn(line: str) -> None:
        log(f"warning: {line}")

    full_train = load_split(config.data, "train", folders, warn, arch.input_shape)
    val = load_split(config.data, "val", folders, warn, arch.input_shape)
    train_split, holdout = split_holdout(full_train, config.holdout_fraction, config.seed)
    log(f"train {len(train_split.labels)}, held out {len(holdout.labels)} (chooses the epoch), "
        f"val {len(val.labels)} (reported only)")
    if len(train_split.labels) < config.batch_size:  # no whole batch: no step, nothing learned
        raise InputError(config.data / "train", f"{len(train_split.labels)} images to train on after the hold-out, "
                                                f"fewer than one batch of {config.batch_size}")

    steps_per_epoch = len(train_split.labels) // config.batch_size
    if config.ema_decay is None:
        config = replace(config, ema_decay=ema_decay_for(config.epochs * steps_per_epoch))
    optimizer = make_optimizer(config, steps_per_epoch)
    step = make_train_step(config, optimizer, arch, teachers)
    key = jax.random.PRNGKey(config.seed)
    key, init_key = jax.random.split(key)
    params = init_params(init_key, arch) if start is None else start
    opt_state = optimizer.init(params)
    ema = params
    rng = np.random.default_rng(config.seed)

    history: list[EpochStats] = []
    snapshots: list[Params] = []  # EMA weights after each epoch: 80 KB each for TinyVGG
    for epoch in range(1, config.epochs + 1):
        t0 = time.perf_counter()
        order = rng.permutation(len(train_split.labels))
        losses, accs = [], []
        bar = _progress(steps_per_epoch, f"epoch {epoch}/{config.epochs}", progress)
        for i in range(steps_per_epoch):
            idx = order[i * config.batch_size:(i + 1) * config.batch_size]
            key, sub = jax.random.split(key)
            params, opt_state, ema, loss, acc = step(params, opt_state, ema, train_split.images[idx],
                                                     train_split.labels[idx], sub)
            losses.append(loss)
            accs.append(acc)
            if bar and (i % 10 == 9 or i == steps_per_epoch - 1):
                bar(i + 1, float(np.mean(losses[-10:])), float(np.mean(accs[-10:])))
        hold_loss, hold_acc = None, None
        if len(holdout.labels):
            hold_loss, hold_pred = predict_split(arch, ema, holdout)
            hold_acc = float((hold_pred == holdout.labels).mean())
        val_loss, val_pred = predict_split(arch, ema, val)
        stats = EpochStats(epoch, float(np.mean(losses)), float(np.mean(accs)),
                           hold_loss, hold_acc,
                           val_loss, float((val_pred == val.labels).mean()), time.perf_counter() - t0)
        history.append(stats)
        if progress:
            sys.stderr.write("\n")
        log(f"epoch {epoch:3d}  loss {stats.train_loss:.3f}  train acc {stats.train_accuracy:.3f}  "
            f"held-out acc {_fmt(stats.holdout_accuracy)}  val acc {stats.val_accuracy:.3f}  "
            f"({stats.seconds:.1f} s)")
        snapshots.append(jax.tree_util.tree_map(np.asarray, ema))

    best_epoch = choose_epoch([h.holdout_accuracy for h in history]) if len(holdout.labels) else config.epochs
    best_params = snapshots[best_epoch - 1]
    val_loss, val_pred = predict_split(arch, best_params, val)
    matrix = confusion_matrix(val.labels, val_pred, len(class_names))
    seconds = time.perf_counter() - started
    summary = {
        "best_epoch": best_epoch,
        "val_accuracy": float((val_pred == val.labels).mean()),
        "val_loss": val_loss,
        "val_errors": int((val_pred != val.labels).sum()),
        "per_class_accuracy": {n: float(matrix[i, i] / matrix[i].sum()) for i, n in enumerate(class_names)},
        "confusion_matrix": matrix.tolist(),
        "train_seconds": round(seconds, 1),
        "device": device_description(),
        "teachers": [_provenance(path) for path in config.teachers],
        "init": _provenance(config.init) if config.init else None,
        "readable_share": READABLE_SHARE,
        "command": "cnn-explainer train " + " ".join(shlex.quote(printable(a)) for a in sys.argv[2:])
        if len(sys.argv) > 1 and sys.argv[1] == "train" else "",
        "config": {k: _plain(v) for k, v in asdict(config).items()},
        "network": network_summary(arch),
        "counts": {"train": len(train_split.labels), "holdout": len(holdout.labels),
                   "val": len(val.labels)},
    }
    write_outputs(config.out, best_params, class_names, history, summary, config, arch)
    how = "by held-out accuracy" if len(holdout.labels) else "the last; nothing held out"
    log(f"kept epoch {best_epoch} ({how}): val top-1 {summary['val_accuracy']:.1%} "
        f"in {seconds / 60:.1f} min -> {printable(config.out)}")
    return summary


def load_teachers(paths: tuple[Path, ...], class_names: tuple[str, ...], arch: Architecture) -> Teachers | None:
    """The teachers grouped by architecture, each group's weights stacked so one vmapped call runs it.

    A teacher must predict exactly the dataset's classes, in its order, and take `arch`'s input:
    its prediction is the target of the very image the student sees.
    """
    if not paths:
        return None
    groups: dict[Architecture, list[Params]] = {}
    for path in paths:
        model = load_network(path)
        if len(model.class_names) != len(class_names):
            raise InputError(path, f"teacher predicts {len(model.class_names)} classes; the dataset has "
                                   f"{len(class_names)}")
        _check_classes(path, "teacher", model.class_names, class_names)
        if model.input_shape != arch.input_shape:
            raise InputError(path, f"teacher takes {_input_words(model.input_shape)} images; the network trained "
                                   f"takes {_input_words(arch.input_shape)} (match --input-size and --greyscale)")
        groups.setdefault(model.architecture, []).append(model.params)
    return tuple((teacher_arch, jax.tree_util.tree_map(lambda *leaves: jnp.asarray(np.stack(leaves)), *params))
                 for teacher_arch, params in groups.items())


def load_init(path: Path | None, class_names: tuple[str, ...], arch: Architecture) -> Params | None:
    """The weights a fine-tuning run starts from: a model of exactly the network the options describe."""
    if path is None:
        return None
    model = load_network(path)
    if model.architecture != arch:
        raise InputError(path, f"--init is {describe_network(model.architecture)}; the options describe "
                               f"{describe_network(arch)}")
    _check_classes(path, "--init", model.class_names, class_names)
    return jax.tree_util.tree_map(jnp.asarray, model.params)


def _check_classes(path: Path, role: str, predicted: tuple[str, ...], classes: tuple[str, ...]) -> None:
    """A model trained from (--init) or towards (a teacher) must predict the dataset's classes, in its order."""
    if predicted != classes:
        raise InputError(path, f"{role} predicts {', '.join(predicted)}; the dataset has {', '.join(classes)}")


def _input_words(shape: tuple[int, ...]) -> str:
    return f"{shape[0]}x{shape[1]} {'greyscale' if shape[2] == 1 else 'RGB'}"


def network_summary(arch: Architecture) -> dict:
    """What history.json and the model card say of the network trained (the options are in "config" too)."""
    first = arch.layers[0]
    return {"input_shape": list(arch.input_shape), "blocks": sum(layer.kind == "pool" for layer in arch.layers),
            "filters": first.filters, "padding": first.padding,  # type: ignore[union-attr]
            "classes": arch.layers[-1].units, "parameters": param_count(arch),  # type: ignore[union-attr]
            "layers": [layer.name for layer in arch.layers]}


def _provenance(teacher: Path) -> dict:
    """What the model card says of a teacher: its path, and how it was trained when it kept a history."""
    history = resolve_model_file(teacher).parent / "history.json"
    summary = json.loads(history.read_text(encoding="utf-8")).get("summary", {}) if history.is_file() else {}
    return {"path": printable(teacher), "command": summary.get("command", ""),
            "val_accuracy": summary.get("val_accuracy")}


def _plain(value: object) -> object:
    """Paths as strings, so the config goes into history.json as written on the command line."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return printable(value) if isinstance(value, Path) else value


def _fmt(value: float | None) -> str:
    return "  -  " if value is None else f"{value:.3f}"


def choose_epoch(holdout_accuracy: list[float]) -> int:
    """The 1-based epoch whose held-out accuracy, averaged with its neighbours, is highest.

    With 500 held-out images one image is 0.2%, so the raw maximum is mostly noise; the 3-epoch
    average is steadier. Ties go to the later epoch, where the EMA has seen the most training.
    """
    acc = np.asarray(holdout_accuracy, dtype=np.float64)
    padded = np.concatenate([acc[:1], acc, acc[-1:]])
    smooth = (padded[:-2] + padded[1:-1] + padded[2:]) / 3
    return int(len(smooth) - np.argmax(smooth[::-1]))


def _progress(total: int, label: str, enabled: bool) -> Callable[[int, float, float], None] | None:
    if not enabled:
        return None

    def show(done: int, loss: float, acc: float) -> None:
        width = 30
        filled = width * done // total
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} "
                         f"loss {loss:.3f} acc {acc:.3f}")
        sys.stderr.flush()
    return show


def _inputs(config: TrainConfig) -> list[Path]:
    """What a run reads, which its --out may neither hold nor lie inside (a run inside train/ would be a class)."""
    models = [config.init] if config.init else []
    return [config.data / "train", config.data / "val",
            *(Path(m).parent if Path(m).is_file() else Path(m) for m in (*config.teachers, *models))]


def write_outputs(out: Path, params: Params, class_names: tuple[str, ...], history: list[EpochStats],
                  summary: dict, config: TrainConfig, arch: Architecture | None = None) -> None:
    """Every file of the run made in memory first, then swapped in whole: a failure leaves `out` as it was.

    `arch` is the network trained; None is the one the options describe.
    """
    arch = arch or network_architecture(config, len(class_names))
    metadata = {"trained_by": "cnn-explainer train", "val_accuracy": round(summary["val_accuracy"], 4)}
    files = model_files(Model(params=jax.tree_util.tree_map(np.asarray, params), class_names=class_names,
                              metadata=metadata, architecture=arch))
    files[HISTORY_FILE] = (json.dumps(
        {"class_names": list(class_names), "epochs": [asdict(h) for h in history], "summary": summary},
        indent=1) + "\n").encode("utf-8")
    files[CARD_FILE] = render_model_card(class_names, history, summary, config, arch).encode("utf-8")
    write_model(files, out, _inputs(config), config.force)
