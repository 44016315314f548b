from __future__ import annotations

import threading
import warnings
from dataclasses import replace

import pytest
import torch
from torch import nn

import cnnatlas
from cnnatlas.train import TrainConfig, _flip, _flip_crop


def _tiny_data(n: int = 256, seed: int = 0) -> tuple[cnnatlas.ImageDataset, cnnatlas.ImageDataset]:
    """Two separable classes of 28x28 images: bright left half vs bright right half, plus noise."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 2
    images = torch.randint(0, 60, (n, 1, 28, 28), generator=g, dtype=torch.uint8)
    images[labels == 0, :, :, :14] += 150
    images[labels == 1, :, :, 14:] += 150
    ds = cnnatlas.ImageDataset("halves", "train", images, labels, ("left", "right"), "generated in the test")
    return ds, ds.subset(64)


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNATLAS_CACHE", str(tmp_path))
    monkeypatch.setenv("CNNATLAS_PROFILE", "full")
    return tmp_path / "models"


CONFIG = TrainConfig(epochs=2, batch_size=32, lr=3e-3)


def test_fit_learns_and_reports(private_cache) -> None:
    train, test = _tiny_data()
    model, result = cnnatlas.train_or_load("tiny", cnnatlas.LeNet, train, test, CONFIG, progress=False)
    assert result.test_accuracy > 0.9
    assert result.device == "cpu" and result.epochs == 2 and len(result.history) == 2
    assert result.images_per_second > 0 and "test accuracy" in result.summary()
    assert not model.training


def test_second_call_loads_the_cache_and_retrains_nothing(private_cache, monkeypatch) -> None:
    train, test = _tiny_data()
    first_model, first = cnnatlas.train_or_load("tiny", cnnatlas.LeNet, train, test, CONFIG, progress=False)
    monkeypatch.setattr(cnnatlas.train, "fit", lambda *a, **k: pytest.fail("retrained despite a valid cache"))
    model, again = cnnatlas.train_or_load("tiny", cnnatlas.LeNet, train, test, CONFIG, progress=False)
    assert again.from_cache and again.test_accuracy == first.test_accuracy
    for a, b in zip(first_model.state_dict().values(), model.state_dict().values(), strict=True):
        assert torch.equal(a.cpu(), b.cpu())


def test_table_has_one_row_per_epoch_and_says_where_the_weights_come_from(private_cache) -> None:
    train, test = _tiny_data()
    _, result = cnnatlas.train_or_load("tiny", cnnatlas.LeNet, train, test, CONFIG, progress=False)
    lines = result.table().splitlines()
    assert len(lines) == 1 + CONFIG.epochs + 1 and lines[0].split()[0] == "epoch"
    assert [int(line.split()[0]) for line in lines[1:-1]] == [1, 2] and lines[-1].endswith(
        "trained in this run"
    )
    _, cached = cnnatlas.train_or_load("tiny", cnnatlas.LeNet, train, test, CONFIG, progress=False)
    assert (
        cached.table().endswith(f"cached weights from {result.trained_on}") and len(result.trained_on) == 10
    )
    assert str(private_cache) not in cached.table() + cached.summary(), "words, not a path"


def test_training_threads_policy_and_restore(private_cache, monkeypatch) -> None:
    """fit trains on training_threads() CPU threads ($CNNATLAS_THREADS, else 1 on a busy machine of <= 2
    cores) and restores the caller's thread count afterwards."""
    monkeypatch.setenv(cnnatlas.train.THREADS_ENV, "3")
    assert cnnatlas.training_threads() == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(cnnatlas.train.THREADS_ENV, bad)
        with pytest.raises(ValueError, match=cnnatlas.train.THREADS_ENV):
            cnnatlas.training_threads()
    monkeypatch.delenv(cnnatlas.train.THREADS_ENV)
    monkeypatch.setattr(cnnatlas.train.os, "cpu_count", lambda: 2)
    for load, expected in ((3.0, 1), (0.9, torch.get_num_threads())):  # busy: 1 thread; idle: torch's default
        monkeypatch.setattr(cnnatlas.train, "_DEFAULT_THREADS", None)
        monkeypatch.setattr(cnnatlas.train.os, "getloadavg", lambda load=load: (load, load, load))
        assert cnnatlas.training_threads() == expected
        monkeypatch.setattr(cnnatlas.train.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
        assert cnnatlas.training_threads() == expected, "decided once per process"
    monkeypatch.setattr(cnnatlas.train, "_DEFAULT_THREADS", 1)
    seen = []
    monkeypatch.setattr(
        cnnatlas.train,
        "_test_metrics",
        lambda *a, **k: (seen.append(torch.get_num_threads()), ((0.0, 1.0, None), None))[1],
    )
    before = torch.get_num_threads()
    train, test = _tiny_data(64)
    cnnatlas.fit(cnnatlas.LeNet(), train, test, replace(CONFIG, epochs=1), progress=False)
    assert seen == [1] and torch.get_num_threads() == before


def test_cache_key_follows_recipe_and_data(private_cache) -> None:
    train, test = _tiny_data()
    cnnatlas.train_or_load("tiny", cnnatlas.LeNet, train, test, CONFIG, progress=False)
    other_train, _ = _tiny_data(seed=1)
    _, other = cnnatlas.train_or_load("tiny", cnnatlas.LeNet, other_train, test, CONFIG, progress=False)
    assert not other.from_cache
    _, other = cnnatlas.train_or_load(
        "tiny", cnnatlas.LeNet, train, test, TrainConfig(epochs=1), progress=False
    )
    assert not other.from_cache
    assert len(list(private_cache.glob("tiny-*.pt"))) == 3


def test_corrupted_weights_are_reported_and_retrained(private_cache) -> None:
    train, test = _tiny_data()
    cnnatlas.train_or_load("tiny", cnnatlas.LeNet, train, test, CONFIG, progress=False)
    (path,) = private_cache.glob("tiny-*.pt")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.warns(cnnatlas.CacheWarning, match="unreadable"):
        _, result = cnnatlas.train_or_load("tiny", cnnatlas.LeNet, train, test, CONFIG, progress=False)
    assert not result.from_cache and path.exists()


def test_training_is_deterministic(private_cache) -> None:
    train, test = _tiny_data()
    a = cnnatlas.fit(cnnatlas.seed_everything(0) or cnnatlas.LeNet(), train, test, CONFIG, progress=False)
    b = cnnatlas.fit(cnnatlas.seed_everything(0) or cnnatlas.LeNet(), train, test, CONFIG, progress=False)
    assert [h.train_loss for h in a.history] == [h.train_loss for h in b.history]


def test_quick_profile_cuts_the_recipe(private_cache, monkeypatch) -> None:
    monkeypatch.setenv("CNNATLAS_PROFILE", "quick")
    train, test = _tiny_data()
    _, result = cnnatlas.train_or_load(
        "tiny", cnnatlas.LeNet, train, test, TrainConfig(epochs=5), progress=False
    )
    assert result.profile == "quick" and result.epochs == 2 and "QUICK PROFILE" in result.summary()
    monkeypatch.setenv("CNNATLAS_PROFILE", "fast")
    with pytest.raises(ValueError, match="CNNATLAS_PROFILE"):
        cnnatlas.build_profile()


def test_result_round_trips_through_plain_values() -> None:
    train, test = _tiny_data()
    result = cnnatlas.fit(cnnatlas.LeNet(), train, test, TrainConfig(epochs=1), progress=False)
    assert cnnatlas.TrainResult.from_dict(result.to_dict()) == result


def test_flip_crop_keeps_shape_and_content() -> None:
    x = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).view(2, 3, 8, 8)
    out = _flip_crop(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    assert set(out.unique().tolist()) <= set(x.unique().tolist()) | {0.0}


def test_flip_mirrors_about_half_the_images_and_nothing_else() -> None:
    x = torch.rand(200, 3, 5, 7, generator=torch.Generator().manual_seed(1))
    out = _flip(x, torch.Generator().manual_seed(0))
    same = [torch.equal(a, b) for a, b in zip(out, x, strict=True)]
    mirrored = [torch.equal(a, b.flip(2)) for a, b in zip(out, x, strict=True)]
    assert all(s != m for s, m in zip(same, mirrored, strict=True))  # each image exactly one of the two
    assert 70 < sum(mirrored) < 130


def test_best_device_is_cpu_without_accelerators() -> None:
    if not torch.cuda.is_available() and not torch.backends.mps.is_available():
        assert cnnatlas.best_device().type == "cpu"


def test_bad_recipe_is_named() -> None:
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="adam!")


@pytest.mark.parametrize("field", ["optimizer", "schedule", "augment", "init"])
def test_every_choice_is_checked_at_construction(field: str) -> None:
    """A misspelled choice raises the same ValueError, naming the allowed values, when the recipe is made."""
    allowed = {"optimizer": cnnatlas.train.OPTIMIZERS, "schedule": cnnatlas.train.SCHEDULES,
               "augment": cnnatlas.train.AUGMENTATIONS, "init": cnnatlas.train.INITS}[field]  # fmt: skip
    with pytest.raises(ValueError, match=f"{field}: expected one of") as raised:
        TrainConfig(**{field: "xavir"})
    assert all(repr(value) in str(raised.value) for value in allowed)


@pytest.mark.parametrize(
    ("changes", "error"),
    [({"epochs": 0}, ValueError), ({"epochs": 2.0}, TypeError), ({"batch_size": -1}, ValueError),
     ({"lr": 0.0}, ValueError), ({"lr": "0.1"}, TypeError), ({"momentum": -0.1}, ValueError),
     ({"label_smoothing": 1.0}, ValueError), ({"normalize": 1}, TypeError), ({"train_images": 0}, ValueError),
     ({"seed": -1}, ValueError), ({"seed": None}, TypeError)],
)  # fmt: skip
def test_every_field_is_checked_at_construction(changes: dict, error: type) -> None:
    with pytest.raises(error, match=next(iter(changes))):
        TrainConfig(**changes)


def test_fit_honours_the_init_of_its_recipe(private_cache, monkeypatch) -> None:
    """fit() itself applies config.init (not only train_or_load): a Xavier recipe re-initialises the model."""
    calls = []
    monkeypatch.setattr(cnnatlas.train, "init_xavier_", lambda model: calls.append(type(model).__name__))
    train, test = _tiny_data(64)
    cnnatlas.fit(
        cnnatlas.LeNet(), train, test, TrainConfig(epochs=1, batch_size=32, init="xavier"), progress=False
    )
    cnnatlas.fit(cnnatlas.LeNet(), train, test, TrainConfig(epochs=1, batch_size=32), progress=False)
    assert calls == ["LeNet"]


# --- the boundary: every argument checked before any training ------------------------------------------


def _small() -> nn.Module:
    """A two-class model small enough that a mistake costs nothing."""
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())


def _params(model: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


@pytest.fixture
def no_training(monkeypatch):
    """Any call that reaches the optimiser fails the test: the mistake must be caught before training."""
    monkeypatch.setattr(
        cnnatlas.train, "_make_optimizer", lambda *a, **k: pytest.fail("training started despite bad input")
    )


TRAVERSALS = ["../escape", "/abs", "a/b", "..", "", "a\x00b", "C:\\x", "lenet/../../x", "~root"]


@pytest.mark.parametrize("name", TRAVERSALS)
def test_train_or_load_never_uses_a_name_as_a_path(private_cache, tmp_path, no_training, name) -> None:
    train, test = _tiny_data(32)
    with pytest.raises(ValueError, match=r"name: expected a (plain file name|non-empty string)"):
        cnnatlas.train_or_load(name, _small, train, test, CONFIG, progress=False)
    assert not [p for p in tmp_path.parent.rglob("*escape*")] and not list(tmp_path.rglob("*.pt"))


def _bad_fit_calls():
    train, test = _tiny_data(32)
    other = cnnatlas.ImageDataset("d", "test", torch.zeros(4, 1, 8, 8, dtype=torch.uint8), torch.arange(4) % 2,
                                  ("a", "b"), "made up")  # fmt: skip
    many = cnnatlas.ImageDataset(
        "d", "test", test.images[:4], torch.tensor([0, 1, 2, 3]), tuple("abcd"), "made up"
    )
    flat = cnnatlas.ImageDataset("d", "train", torch.full((8, 1, 28, 28), 7, dtype=torch.uint8),
                                 torch.arange(8) % 2, ("a", "b"), "made up")  # fmt: skip
    frozen = _small().requires_grad_(False)
    return [
        ("class, not instance", dict(model=cnnatlas.LeNet), TypeError, "build one first: LeNet()"),
        ("factory function", dict(model=_small), TypeError, "expected a torch.nn.Module instance"),
        ("train is a tuple", dict(train=(train.images, train.labels)), TypeError, "train: expected an ImageDataset"),
        ("test is None", dict(test=None), TypeError, "test: expected an ImageDataset"),
        ("test of another size", dict(test=other), ValueError, r"test: expected images of the training"),
        ("labels beyond outputs", dict(test=many), ValueError, r"test: expected labels in \[0, 2\)"),
        ("config is a dict", dict(config={"epochs": 1}), TypeError, "config: expected a TrainConfig"),
        ("device misspelled", dict(device="gpu"), ValueError, "device: expected a device"),
        ("device a number", dict(device=0), TypeError, "device: expected a torch.device"),
        ("progress a string", dict(progress="no"), TypeError, "progress: expected True or False"),
        ("name a number", dict(name=3), TypeError, "name: expected a string"),
        ("frozen model", dict(model=frozen), ValueError, "expected trainable parameters"),
        ("wrong channels", dict(model=nn.Sequential(nn.Conv2d(3, 2, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten())),
         ValueError, "failed .*expects 3 input channels"),
        ("constant channel", dict(train=flat, test=flat), ValueError, r"constant \(std 0\)"),
    ]  # fmt: skip


@pytest.mark.parametrize(("changes", "error", "match"), [c[1:] for c in _bad_fit_calls()],
                         ids=[c[0] for c in _bad_fit_calls()])  # fmt: skip
def test_fit_checks_everything_before_training(private_cache, no_training, changes, error, match) -> None:
    """One call per kind of mistake: each is refused with a clear error before the optimiser is made,
    and the model's weights are untouched."""
    train, test = _tiny_data(32)
    call = dict(model=_small(), train=train, test=test, config=TrainConfig(epochs=1, init="xavier")) | changes
    model = call["model"]
    before = _params(model) if isinstance(model, nn.Module) else []
    with pytest.raises(error, match=match):
        cnnatlas.fit(**({"progress": False} | call))
    after = _params(model) if isinstance(model, nn.Module) else []
    assert all(torch.equal(a, b) for a, b in zip(before, after, strict=True))


@pytest.mark.parametrize(
    ("factory", "match"),
    [(cnnatlas.LeNet(), "got an nn.Module instance LeNet; pass the class"), (None, "expected a factory"),
     (lambda: "not a model", "model_factory: expected it to build an nn.Module, got 'not a model'")],
)  # fmt: skip
def test_train_or_load_wants_a_factory(private_cache, no_training, factory, match) -> None:
    train, test = _tiny_data(32)
    with pytest.raises(TypeError, match=match):
        cnnatlas.train_or_load("tiny", factory, train, test, CONFIG, progress=False)
    assert not list(private_cache.glob("*.pt"))


def test_labels_beyond_the_models_outputs_are_refused_before_the_cache(private_cache, no_training) -> None:
    train, _ = _tiny_data(32)
    four = cnnatlas.ImageDataset(
        "d", "train", train.images[:4], torch.tensor([0, 1, 2, 3]), tuple("abcd"), "x"
    )
    with pytest.raises(ValueError, match=r"train: expected labels in \[0, 2\) \(the model outputs 2"):
        cnnatlas.train_or_load("tiny", _small, four, four, CONFIG, progress=False)


def test_a_device_string_is_normalised(private_cache) -> None:
    train, test = _tiny_data(32)
    result = cnnatlas.fit(
        _small(), train, test, TrainConfig(epochs=1, batch_size=16), device="cpu", progress=False
    )
    assert result.device == "cpu"


@pytest.mark.parametrize(
    ("changes", "error"),
    [({"lr": float("inf")}, ValueError), ({"lr": float("nan")}, ValueError), ({"lr": -1e-3}, ValueError),
     ({"weight_decay": float("nan")}, ValueError), ({"weight_decay": -1.0}, ValueError),
     ({"momentum": 1.0}, ValueError), ({"momentum": None}, TypeError), ({"label_smoothing": -0.1}, ValueError),
     ({"batch_size": True}, TypeError), ({"batch_size": 0}, ValueError), ({"epochs": 1.5}, TypeError),
     ({"seed": 2**64}, ValueError), ({"normalize": "yes"}, TypeError), ({"train_images": -5}, ValueError),
     ({"optimizer": None}, TypeError), ({"augment": ["flip_crop"]}, TypeError)],
)  # fmt: skip
def test_every_range_is_checked_at_construction(changes: dict, error: type) -> None:
    with pytest.raises(error, match=next(iter(changes))):
        TrainConfig(**changes)


def test_progress_bar_only_on_a_terminal_and_no_warning(private_cache, monkeypatch, capsys) -> None:
    """Under pytest stderr is captured (not a terminal): no bar. On a terminal the bar shows the loss
    without torch's "Converting a tensor with requires_grad=True to a scalar" warning."""
    train, test = _tiny_data(32)
    config = TrainConfig(epochs=1, batch_size=16)
    cnnatlas.fit(_small(), train, test, config, progress=True)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(cnnatlas.train, "_interactive", lambda: True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cnnatlas.fit(_small(), train, test, config, progress=True)
    assert "loss=" in capsys.readouterr().err


# --- evaluate ------------------------------------------------------------------------------------------


def _eval_data() -> cnnatlas.ImageDataset:
    train, _ = _tiny_data(16)
    return train


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [({"model": _small}, TypeError, "model: expected a torch.nn.Module instance"),
     ({"data": None}, TypeError, "data: expected an ImageDataset"),
     ({"normalization": (0.5, 0.2)}, TypeError, "normalization: expected a Normalization"),
     ({"normalization": cnnatlas.Normalization((0.5,) * 3, (0.2,) * 3)}, ValueError, "one mean and std per channel"),
     ({"device": "cuda:7"}, ValueError, "device"), ({"device": "tpu"}, ValueError, "device"),
     ({"model": nn.Sequential(nn.Flatten(), nn.Linear(10, 2))}, ValueError, "Sequential failed"),
     ({"model": nn.Sequential(nn.Conv2d(1, 1, 3))}, ValueError, r"expected class scores of shape \(16, classes\)"),
     ({"model": nn.Sequential(nn.Flatten(), nn.Linear(784, 1))}, ValueError, r"expected labels in \[0, 1\)"),
     ({"flip": "yes"}, TypeError, "flip: expected True or False")],
)  # fmt: skip
def test_evaluate_checks_its_arguments_and_restores_the_model(changes, error, match) -> None:
    call = (
        dict(model=_small(), data=_eval_data(), normalization=cnnatlas.Normalization((0.5,), (0.2,)))
        | changes
    )
    model = call["model"]
    if isinstance(model, nn.Module):
        model.train()
        before = [m.training for m in model.modules()], [p.requires_grad for p in model.parameters()]
    with pytest.raises(error, match=match):
        cnnatlas.evaluate(**call)
    if isinstance(model, nn.Module):
        assert (
            [m.training for m in model.modules()],
            [p.requires_grad for p in model.parameters()],
        ) == before
    assert torch.is_grad_enabled()


def test_evaluate_with_flip_averages_each_images_scores_with_its_mirror_images() -> None:
    data, normalization = _eval_data(), cnnatlas.Normalization((0.5,), (0.2,))
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 2))
    x = normalization(data.images)
    with torch.no_grad():
        averaged = (model(x) + model(x.flip(3))) / 2
    loss, accuracy, predicted = cnnatlas.evaluate(model, data, normalization, flip=True)
    assert torch.equal(predicted, averaged.argmax(1))
    assert loss == pytest.approx(float(torch.nn.functional.cross_entropy(averaged, data.labels)), rel=1e-5)
    assert accuracy == pytest.approx(float((averaged.argmax(1) == data.labels).float().mean()))
    plain_loss = cnnatlas.evaluate(model, data, normalization)[0]
    assert plain_loss != pytest.approx(loss)  # the mirror images changed the scores


def test_a_recipe_with_test_flip_reports_flip_averaged_test_scores(private_cache) -> None:
    train, test = _tiny_data(128)
    model = cnnatlas.LeNet()
    result = cnnatlas.fit(model, train, test, replace(CONFIG, epochs=1, test_flip=True), progress=False)
    assert result.test_flip and result.table().endswith(
        f"\ntest accuracy {result.test_accuracy:.4f} with each image's scores averaged with its mirror image's"
    )
    assert result.test_accuracy == cnnatlas.evaluate(model, test, result.normalization, flip=True)[1]
    assert result.history[-1].test_accuracy == cnnatlas.evaluate(model, test, result.normalization)[1]
    assert cnnatlas.TrainResult.from_dict(result.to_dict()).test_flip
    with pytest.raises(TypeError, match="test_flip: expected True or False"):
        TrainConfig(test_flip=1)


def test_two_callers_at_once_train_a_model_once(private_cache) -> None:
    """Two threads (as two processes would) ask for one model at the same time: the cache file's lock
    makes one train it while the other waits, then loads those weights."""
    train, test = _tiny_data(128)
    results: list = []

    def ask() -> None:
        results.append(cnnatlas.train_or_load("shared", _small, train, test, CONFIG, progress=False))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 2 and sorted(r.from_cache for _, r in results) == [False, True]
    (first, _), (second, _) = results
    assert all(
        torch.equal(a, b)
        for a, b in zip(first.state_dict().values(), second.state_dict().values(), strict=True)
    )


def test_a_factory_that_needs_arguments_is_refused_before_anything_runs(private_cache, no_training) -> None:
    train, test = _tiny_data(32)
    with pytest.raises(
        TypeError, match=r"model_factory: expected a callable that builds the model with no argument"
    ):
        cnnatlas.train_or_load("tiny", nn.Linear, train, test, CONFIG, progress=False)


def test_an_oversize_recipe_is_refused_with_its_limit() -> None:
    with pytest.raises(ValueError, match="MAX_EPOCHS"):
        TrainConfig(epochs=10**6)


@pytest.mark.parametrize(
    ("changes", "error", "match"),
    [({"model_name": None}, TypeError, "model_name"), ({"epochs": -1}, ValueError, "epochs"),
     ({"test_accuracy": 1.5}, ValueError, "test_accuracy"), ({"mean": "0.5"}, TypeError, "mean"),
     ({"std": (1.0, 1.0)}, ValueError, "one value per channel"), ({"history": None}, TypeError, "history"),
     ({"from_cache": "yes"}, TypeError, "from_cache"), ({"profile": "fast"}, ValueError, "profile")],
)  # fmt: skip
def test_a_train_result_is_checked_when_made(changes, error, match) -> None:
    train, test = _tiny_data(32)
    result = cnnatlas.fit(_small(), train, test, TrainConfig(epochs=1, batch_size=16), progress=False)
    with pytest.raises(error, match=match):
        replace(result, **changes)
    data = result.to_dict()
    with pytest.raises(ValueError, match="1 missing \\['epochs'\\] and 1 unknown \\['colour'\\]"):
        cnnatlas.TrainResult.from_dict({k: v for k, v in data.items() if k != "epochs"} | {"colour": 1})


def test_seed_is_checked() -> None:
    for seed, error in ((-1, ValueError), (2**64, ValueError), (1.0, TypeError), ("0", TypeError)):
        with pytest.raises(error, match="seed"):
            cnnatlas.seed_everything(seed)


def test_a_cached_result_this_version_cannot_read_is_rebuilt(private_cache) -> None:
    train, test = _tiny_data(32)
    config = TrainConfig(epochs=1, batch_size=16)
    cnnatlas.train_or_load("tiny", _small, train, test, config, progress=False)
    (path,) = private_cache.glob("tiny-*.pt")
    payload = torch.load(path, weights_only=True)
    del payload["result"]["epochs"]
    cnnatlas.cache.save_atomic(payload, path)
    with pytest.warns(cnnatlas.CacheWarning, match="cannot read"):
        _, result = cnnatlas.train_or_load("tiny", _small, train, test, config, progress=False)
    assert not result.from_cache and path.exists()
    assert cnnatlas.train_or_load("tiny", _small, train, test, config, progress=False)[1].from_cache


class _Asserting(nn.Module):
    """Checks its input as torchvision's ViT does, with torch._assert (an AssertionError)."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(784, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        torch._assert(x.shape[-1] == 32, "Wrong image width")
        return self.head(x)


def test_a_failing_forward_is_one_clear_error_in_fit_and_evaluate(private_cache, no_training) -> None:
    train, test = _tiny_data(32)
    with pytest.raises(ValueError, match=r"_Asserting failed .*shape \(1, 1, 28, 28\).*Wrong image width"):
        cnnatlas.fit(_Asserting(), train, test, CONFIG, progress=False)
    with pytest.raises(ValueError, match=r"_Asserting failed .*Wrong image width"):
        cnnatlas.evaluate(_Asserting(), test, cnnatlas.Normalization((0.5,), (0.2,)))


@pytest.mark.parametrize("mode", [torch.no_grad, torch.inference_mode], ids=["no_grad", "inference_mode"])
def test_training_works_inside_a_no_grad_block_and_restores_it(private_cache, mode) -> None:
    train, test = _tiny_data(32)
    config = TrainConfig(epochs=1, batch_size=16)
    expected = cnnatlas.fit(cnnatlas.seed_everything(0) or _small(), train, test, config, progress=False)
    model = cnnatlas.seed_everything(0) or _small()
    with mode():
        result = cnnatlas.fit(model, train, test, config, progress=False)
        assert not torch.is_grad_enabled()
        _, loaded = cnnatlas.train_or_load("tiny", _small, train, test, config, progress=False)
        assert not torch.is_grad_enabled()
    assert [h.train_loss for h in result.history] == [h.train_loss for h in expected.history]
    assert not loaded.from_cache and torch.is_grad_enabled()


def test_a_model_built_under_inference_mode_is_refused(private_cache, no_training) -> None:
    train, test = _tiny_data(32)
    with torch.inference_mode():
        model = _small()
    with pytest.raises(ValueError, match=r"built under torch.inference_mode\(\)"):
        cnnatlas.fit(model, train, test, CONFIG, progress=False)


# --- the validation split ------------------------------------------------------------------------------

VALIDATED = replace(CONFIG, validation_images=32)


@pytest.fixture
def measured(monkeypatch):
    """Every split fit() measures, in order: (split, number of images, flip)."""
    calls: list[tuple[str, int, bool]] = []
    real = cnnatlas.train._test_metrics

    def counting(model, data, normalization, device, flip):
        calls.append((data.split, len(data), flip))
        return real(model, data, normalization, device, flip)

    monkeypatch.setattr(cnnatlas.train, "_test_metrics", counting)
    return calls


@pytest.mark.parametrize("test_flip", [False, True])
def test_with_validation_images_epochs_are_measured_on_them_and_the_test_split_once(
    private_cache, measured, test_flip
) -> None:
    train, test = _tiny_data(256)
    model = cnnatlas.LeNet()
    result = cnnatlas.fit(model, train, test, replace(VALIDATED, test_flip=test_flip), progress=False)
    assert measured == [("validation", 32, False)] * VALIDATED.epochs + [(test.split, len(test), test_flip)]
    assert [h.measured_on for h in result.history] == ["validation"] * VALIDATED.epochs
    assert all(h.test_accuracy is None and h.test_loss is None for h in result.history)
    assert result.train_images == 256 - 32 and result.validation_images == 32
    assert result.validation_accuracy == result.history[-1].validation_accuracy
    assert result.validation_loss == result.history[-1].validation_loss
    _, validation = train.holdout(32, seed=VALIDATED.seed)  # the held-out images, as fit drew them
    measured.clear()
    loss, accuracy, _ = cnnatlas.evaluate(model, validation, result.normalization)
    assert (loss, accuracy) == pytest.approx((result.validation_loss, result.validation_accuracy))
    assert result.test_accuracy == cnnatlas.evaluate(model, test, result.normalization, flip=test_flip)[1]


def test_without_validation_images_every_epoch_is_measured_on_the_test_split(private_cache, measured) -> None:
    train, test = _tiny_data(128)
    result = cnnatlas.fit(cnnatlas.LeNet(), train, test, CONFIG, progress=False)
    assert measured == [(test.split, len(test), False)] * CONFIG.epochs
    assert [h.measured_on for h in result.history] == ["test"] * CONFIG.epochs
    assert result.validation_accuracy is None and result.validation_loss is None
    assert result.validation_images == 0 and result.train_images == 128


def test_the_model_never_trains_on_its_validation_images(private_cache, monkeypatch) -> None:
    """The normalisation fit() computes comes from the images it trains on: the rest, cut by train_images."""
    train, test = _tiny_data(256)
    seen = []
    real = cnnatlas.ImageDataset.normalization
    monkeypatch.setattr(cnnatlas.ImageDataset, "normalization", lambda self: seen.append(self) or real(self))
    config = replace(VALIDATED, epochs=1, train_images=100)
    result = cnnatlas.fit(cnnatlas.LeNet(), train, test, config, progress=False)
    rest, validation = train.holdout(32, seed=config.seed)
    (trained_on,) = seen
    assert len(trained_on) == result.train_images == 100
    assert torch.equal(trained_on.images, rest.subset(100).images), "held out first, then cut to train_images"
    trained = {bytes(x.numpy()) for x in trained_on.images}
    assert not any(bytes(x.numpy()) in trained for x in validation.images)


def test_the_quick_profile_holds_out_the_validation_images_first(private_cache, monkeypatch) -> None:
    monkeypatch.setenv("CNNATLAS_PROFILE", "quick")
    monkeypatch.setattr(cnnatlas.train, "QUICK_TRAIN_IMAGES", 100)
    assert TrainConfig(validation_images=5_000).quick().validation_images == 5_000
    train, test = _tiny_data(256)
    _, result = cnnatlas.train_or_load(
        "tiny", cnnatlas.LeNet, train, test, replace(VALIDATED, epochs=5), progress=False
    )
    assert (result.profile, result.epochs) == ("quick", 2)
    assert (result.train_images, result.validation_images) == (100, 32)


def test_validation_results_are_cached_under_their_own_key(private_cache) -> None:
    train, test = _tiny_data(128)
    _, plain = cnnatlas.train_or_load("tiny", cnnatlas.LeNet, train, test, CONFIG, progress=False)
    _, validated = cnnatlas.train_or_load("tiny", cnnatlas.LeNet, train, test, VALIDATED, progress=False)
    assert not validated.from_cache and validated.validation_images == 32
    _, again = cnnatlas.train_or_load("tiny", cnnatlas.LeNet, train, test, VALIDATED, progress=False)
    assert again.from_cache and again.validation_accuracy == validated.validation_accuracy
    assert again.history == validated.history and again.test_accuracy == validated.test_accuracy
    assert len(list(private_cache.glob("tiny-*.pt"))) == 2
    assert cnnatlas.TrainResult.from_dict(validated.to_dict()) == validated


def test_the_table_and_summary_say_validation_and_test_once(private_cache) -> None:
    train, test = _tiny_data(128)
    result = cnnatlas.fit(cnnatlas.LeNet(), train, test, VALIDATED, progress=False)
    lines = result.table().splitlines()
    assert lines[0].split() == ["epoch", "train", "loss", "train", "acc", "validation", "loss", "validation",
                                "acc", "seconds"]  # fmt: skip
    assert len(lines) == 1 + VALIDATED.epochs + 2
    assert lines[-1] == (
        f"test (once), after the last epoch: accuracy {result.test_accuracy:.4f}, loss {result.test_loss:.4f}"
    )
    assert f"{result.history[-1].validation_accuracy:.4f}" in lines[VALIDATED.epochs]
    summary = result.summary()
    assert f"validation accuracy {result.validation_accuracy:.4f} (32 held-out images)" in summary
    assert f"test (once) accuracy {result.test_accuracy:.4f}" in summary


@pytest.mark.parametrize(
    ("validation_images", "error", "match"),
    [(-1, ValueError, "validation_images: expected an int >= 0"), (1.5, TypeError, "validation_images"),
     (None, TypeError, "validation_images"), ("10", TypeError, "validation_images")],
)  # fmt: skip
def test_validation_images_is_checked_at_construction(validation_images, error, match) -> None:
    with pytest.raises(error, match=match):
        TrainConfig(validation_images=validation_images)


@pytest.mark.parametrize("call", ["fit", "train_or_load"])
def test_more_validation_images_than_training_images_is_refused_before_training(
    private_cache, no_training, call
) -> None:
    train, test = _tiny_data(32)
    config = replace(CONFIG, validation_images=32)
    with pytest.raises(
        ValueError, match=r"config.validation_images: expected fewer than the 32 training images"
    ):
        if call == "fit":
            cnnatlas.fit(_small(), train, test, config, progress=False)
        else:
            cnnatlas.train_or_load("tiny", _small, train, test, config, progress=False)
    assert not list(private_cache.glob("*.pt"))


def test_a_row_is_measured_on_one_split() -> None:
    for test_pair, validation_pair in (((0.5, 0.8), (0.6, 0.7)), ((None, None), (None, None)),
                                       ((0.5, None), (None, None)), ((None, None), (0.6, None))):  # fmt: skip
        with pytest.raises(ValueError, match="expected a row measured on one split"):
            cnnatlas.train.EpochStats(1, 1.0, 0.5, *test_pair, 2.0, *validation_pair)


def test_a_result_with_validation_is_checked_when_made(private_cache) -> None:
    train, test = _tiny_data(64)
    result = cnnatlas.fit(_small(), train, test, replace(VALIDATED, epochs=1, batch_size=16), progress=False)
    for changes, error, match in [
        ({"validation_accuracy": 1.5}, ValueError, "validation_accuracy"),
        ({"validation_accuracy": "0.5"}, TypeError, "validation_accuracy"),
        ({"validation_loss": None}, ValueError, "validation_accuracy and validation_loss: expected both"),
        ({"validation_images": 0}, ValueError, "expected both with validation_images > 0"),
        ({"validation_images": -1}, ValueError, "validation_images"),
        ({"history": [cnnatlas.train.EpochStats(1, 1.0, 0.5, 0.4, 0.6, 1.0)], "validation_images": 32},
         ValueError, r"history: expected rows measured on the validation split"),
    ]:  # fmt: skip
        with pytest.raises(error, match=match):
            replace(result, **changes)
