from __future__ import annotations

import pytest
import torch

import cnnatlas
from cnnatlas.train import TrainConfig, _flip_crop


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
