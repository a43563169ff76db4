"""Whole big_vision config files and t5x gin files through ``from_config`` (frameworks.py).

References, float64 restatements written for this test in plain Python from the sources:

- big_vision: ``google-research/big_vision``, commit ``0127fb6b337ee2a27bf4e54dea79cff176527356``:
  ``big_vision/train.py`` (``total_steps = u.steps("total", config, ntrain_img, batch_size)``,
  ``sched_kw = dict(total_steps, batch_size, data_size)``), ``big_vision/optax.py`` (``make``:
  ``config.lr`` times ``create_learning_rate_schedule(base=mult, **sched_kw, **schedule)``; a
  list ``schedule`` is per-regex, ``None`` freezes), ``big_vision/utils.py`` (``steps``,
  ``create_learning_rate_schedule``).
- t5x: ``google-research/t5x``, commit ``cc342d419ec3e3e9c4bf1df33c82330cafdc1e16``,
  ``t5x/utils.py`` ``create_learning_rate_scheduler`` (bound in gin as
  ``utils.create_learning_rate_scheduler.<arg>``).

- big_vision's per-parameter rule, same commit: ``big_vision/utils.py`` (``_traverse_with_names``:
  mapping keys sorted, sequence entries by index, joined by ``"/"``; ``make_mask_trees``: a
  parameter takes the first pattern with ``pattern.fullmatch(name)``;
  ``check_and_compile_patterns``: a pattern must not start with ``"/"``), ``big_vision/optax.py``
  (``make``, ``_split_frozen``: a ``None`` schedule freezes through ``optax.set_to_zero``, and an
  unmatched parameter fails ``assert not not_covered``).

Choice for the per-parameter ``schedule`` list: ``from_config`` (and ``big_vision_config``)
return a ``jaxsched.ParamSchedules``, regex -> Schedule or None; ``load_config`` refuses it
(it returns one ``{"type", "params"}``), pointing to them; ``big_vision_config(cfg,
pattern=regex)`` still loads one entry's config.
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from schedule_checks import assert_float32_accurate, host, jit_eval
from test_t5x_bigvision_names import t5x_lr

import jaxsched
from jaxsched.config import frameworks as fw

PAD = 64
COUNTS = jnp.arange(PAD, dtype=jnp.int32)


# ------------------------------------------------------------------ big_vision, restated
def bv_steps(prefix, kw, data_size, batch_size, total_steps):
    found = {s: kw[f"{prefix}_{s}"] for s in ("steps", "examples", "epochs", "percent")
             if kw.get(f"{prefix}_{s}") is not None and kw[f"{prefix}_{s}"] >= 0}
    assert len(found) <= 1
    if not found:
        return 0
    (s, x), = found.items()
    if s == "steps":
        return x
    y = {"examples": lambda: x / batch_size, "epochs": lambda: x * data_size / batch_size,
         "percent": lambda: x * total_steps}[s]()
    return max(1, round(y)) if y else 0


def bv_lr(step, total_steps, batch_size, data_size, base, decay_type="stair", **kw):
    w = bv_steps("warmup", kw, data_size, batch_size, total_steps)
    c = bv_steps("cooldown", kw, data_size, batch_size, total_steps)
    lr = base
    p = min(max((step - w) / float(total_steps - w), 0.0), 1.0)
    if decay_type in ("linear", "polynomial"):
        z = kw.get("end", kw.get("linear_end", 0))
        lr = z + (lr - z) * (1.0 - p) ** kw.get("power", 1)
    elif decay_type == "cosine":
        lr = lr * 0.5 * (1.0 + math.cos(math.pi * p))
    elif decay_type == "stair":
        i = int(np.searchsorted(np.array(kw.get("steps", []), float), step + 1))
        lr = lr * ([1.0] + list(kw.get("mults", [])))[i]
    if w:
        lr *= min(1.0, step / w)
    if c:
        lr *= min(1.0, (total_steps - step) / c)
    return lr


def bv_config_lr(config, n, data_size=None, pick=".*"):
    """``config.lr x schedule_fn(k)`` for k < n, as train.py/optax.py compose them."""
    bs = config["input"]["batch_size"]
    total = bv_steps("total", config, data_size, bs, None)
    sched = config.get("schedule", {})
    if isinstance(sched, list):
        sched = dict(sched)[pick]
    sched = dict(sched)
    mult = sched.pop("mult", 1.0)
    return np.array([config["lr"] * bv_lr(k, total, bs, data_size, mult, **sched)
                     for k in range(n)])


def check(s, ref):
    n = len(ref)
    peak = max(float(np.max(np.abs(ref))), 1e-30)
    np.testing.assert_allclose(host(s, np.arange(n)), ref, rtol=1e-12, atol=1e-12 * peak)
    assert_float32_accurate(s, np.arange(n), np.asarray(jit_eval(s, COUNTS), np.float64)[:n])


VIT = {  # the shape of configs/vit_i1k.py, shrunk
    "input": {"batch_size": 256, "data": {"name": "imagenet2012", "split": "train[:99%]"}},
    "total_epochs": 3, "lr": 0.001, "wd": 0.0001, "optax_name": "scale_by_adam",
    "schedule": {"warmup_steps": 4, "decay_type": "cosine"}, "log_training_steps": 50,
}


def test_bigvision_hand_derived():
    # 3 epochs x 1000 / 256 = 11.72 -> 12 steps; warmup 4: 1e-3 k/4, then cosine over 8 steps
    s = jaxsched.from_config(fw.big_vision_config(VIT, data_size=1000))
    np.testing.assert_allclose(host(s, [0, 2, 4, 8, 12]), [0, 5e-4, 1e-3, 5e-4, 0], atol=1e-15)


@pytest.mark.parametrize("sched", [
    {"warmup_steps": 4, "decay_type": "cosine"},
    {"decay_type": "linear", "warmup_percent": 0.1, "cooldown_examples": 1500, "linear_end": 1e-5},
    {"decay_type": "polynomial", "power": 2.0, "end": 0.1, "mult": 3.0, "warmup_epochs": 0.5},
    {"decay_type": "stair", "steps": [10, 30], "mults": [0.1, 0.01], "warmup_steps": 5},
    {},
])
def test_bigvision_config_matches_restatement(sched):
    cfg = {**VIT, "total_epochs": 11.5, "schedule": sched}
    ref = bv_config_lr(cfg, 50, data_size=1111)
    check(jaxsched.from_config(fw.big_vision_config(cfg, data_size=1111)), ref)


def test_bigvision_total_steps_and_examples_load_directly(tmp_path):
    cfg = {**VIT, "total_steps": 40}
    del cfg["total_epochs"]
    check(jaxsched.from_config(cfg), bv_config_lr(cfg, 45))  # from_config itself, no data size
    cfg2 = {**VIT, "total_examples": 256 * 30 + 100}
    del cfg2["total_epochs"]
    check(jaxsched.from_config(cfg2), bv_config_lr(cfg2, 40))
    # the same as a YAML file, and as a Python config file with get_config(arg)
    import yaml

    (tmp_path / "bv.yaml").write_text(yaml.safe_dump(cfg))
    check(jaxsched.from_config(str(tmp_path / "bv.yaml")), bv_config_lr(cfg, 45))
    (tmp_path / "bv_cfg.py").write_text(
        "def get_config(arg=None):\n"
        "    steps = int(arg) if arg else 40\n"
        "    return dict(input=dict(batch_size=256), total_steps=steps, lr=0.001,\n"
        "                schedule=dict(warmup_steps=4, decay_type='cosine'))\n")
    check(jaxsched.from_config(str(tmp_path / "bv_cfg.py")), bv_config_lr(cfg, 45))
    short = {**cfg, "total_steps": 20}
    check(jaxsched.from_config(str(tmp_path / "bv_cfg.py") + ":20"), bv_config_lr(short, 25))


class ConfigDict:
    """Stand-in for ``ml_collections.ConfigDict`` (not installed): attribute access, to_dict()."""

    def __init__(self, d):
        self.__dict__["_d"] = d

    def to_dict(self):
        return {k: v.to_dict() if isinstance(v, ConfigDict) else v for k, v in self._d.items()}


def test_bigvision_configdict_and_per_param_list():
    inner = {"warmup_steps": 3, "decay_type": "linear", "mult": 0.5}
    cfg = ConfigDict({"input": ConfigDict({"batch_size": 128}), "total_steps": 30, "lr": 0.01,
                      "schedule": [("img/.*", None), (".*", inner)]})
    rules = jaxsched.from_config(cfg)
    assert list(rules) == ["img/.*", ".*"] and rules["img/.*"] is None
    check(rules[".*"], bv_config_lr(cfg.to_dict(), 35))
    with pytest.raises(ValueError, match=r"config\.schedule.*per-parameter.*img/\.\*"):
        jaxsched.config.load_config(cfg)
    s = jaxsched.from_config(fw.big_vision_config(cfg, pattern=".*"))
    check(s, bv_config_lr(cfg.to_dict(), 35))
    with pytest.raises(ValueError, match="frozen"):
        fw.big_vision_config(cfg, pattern="img/.*")
    with pytest.raises(ValueError, match="not one of"):
        fw.big_vision_config(cfg, pattern="txt")


@pytest.mark.parametrize("bad, match", [
    ({"total_steps": 10, "total_epochs": 1}, "exactly one"),
    ({"total_epochs": 1}, "data_size"),
    ({"total_steps": 10, "schedule": {"base": 1.0}}, "base"),
    ({"total_steps": 10, "schedule": {"decay_typ": "cosine"}}, r"decay_typ"),
    ({"total_steps": 10, "schedule": None}, "freezes"),
    ({"total_steps": 10, "lr": "high"}, "config.lr"),
])
def test_bigvision_bad_configs(bad, match):
    cfg = {"input": {"batch_size": 8}, "lr": 0.1, **bad}
    with pytest.raises(ValueError, match=match):
        jaxsched.from_config(cfg)


# ------------------------------------------------------------------ big_vision per parameter
def bv_names(tree, prefix=""):
    """(name, leaf) pairs as big_vision's ``_traverse_with_names`` (sorted keys, indices)."""
    if isinstance(tree, dict):
        for k in sorted(tree):
            yield from bv_names(tree[k], f"{prefix}{k}/")
    elif isinstance(tree, (list, tuple)):
        for i, x in enumerate(tree):
            yield from bv_names(x, f"{prefix}{i}/")
    else:
        yield prefix.rstrip("/"), tree


def bv_pick(name, schedule_list):
    """The first ``(regex, sched)`` whose compiled regex ``fullmatch``es ``name`` (else raise,
    as big_vision's ``assert not not_covered``)."""
    import re

    for regex, sched in schedule_list:
        assert not regex.startswith("/")
        if re.compile(regex).fullmatch(name):
            return regex, sched
    raise AssertionError(f"All params must be covered (use `None` for freezing): {name}")


PARAMS = {  # names: img/embed/kernel, img/head/bias, img/head/kernel, t, txt/enc/0, txt/enc/1
    "img": {"head": {"kernel": np.ones((2, 2)), "bias": np.ones(2)}, "embed": {"kernel": np.ones(3)}},
    "txt": {"enc": [np.ones(2), np.ones(1)]}, "t": np.ones(()),
}
PER_PARAM = [
    ("img/head/.*", {"decay_type": "cosine", "warmup_steps": 2, "mult": 2.0}),
    ("img/.*", None),  # frozen: the rest of img
    ("txt/enc/0", {"decay_type": "linear", "linear_end": 0.1, "cooldown_steps": 3}),
    ("txt/.*", {"decay_type": "stair", "steps": [4], "mults": [0.5]}),
    (".*", {}),
]
PP_CFG = {"input": {"batch_size": 64}, "total_steps": 12, "lr": 0.01, "schedule": PER_PARAM}
PP_COUNTS = [0, 1, 2, 3, 5, 9, 11, 12, 20]


def pp_reference(name, k):
    """config.lr x the schedule of ``name`` at step k, or None for a frozen parameter."""
    _, sched = bv_pick(name, PER_PARAM)
    if sched is None:
        return None
    sched = dict(sched)
    mult = sched.pop("mult", 1.0)
    return PP_CFG["lr"] * bv_lr(min(k, 12), 12, 64, None, mult, **sched)


def test_bigvision_per_param_hand_derived():
    rules = jaxsched.from_config({**PP_CFG, "schedule": [("img/.*", {"mult": 3.0}), (".*", None)]})
    labels = rules.labels(PARAMS)
    assert labels["img"]["head"]["kernel"] == "img/.*" and labels["t"] == ".*"
    assert rules.frozen == (".*",)
    np.testing.assert_allclose(host(rules["img/.*"], [0, 11]), [0.03, 0.03], rtol=1e-15)


def test_bigvision_per_param_matches_restatement():
    rules = fw.big_vision_config(PP_CFG)
    assert isinstance(rules, jaxsched.ParamSchedules) and list(rules) == [r for r, _ in PER_PARAM]
    assert jaxsched.from_config(PP_CFG) == rules  # from_config returns the same
    labels = dict(zip(jax.tree_util.tree_leaves(jaxsched.param_names(PARAMS)),
                      jax.tree_util.tree_leaves(rules.labels(PARAMS))))
    names = [n for n, _ in bv_names(PARAMS)]
    assert sorted(labels) == sorted(names)
    for name in names:
        regex, sched = bv_pick(name, PER_PARAM)
        assert labels[name] == regex, name
        ref = [pp_reference(name, k) for k in PP_COUNTS]
        if sched is None:
            assert rules[regex] is None and ref[0] is None
        else:
            np.testing.assert_allclose(host(rules[regex], PP_COUNTS), ref, rtol=1e-12,
                                       atol=1e-15, err_msg=name)


def test_bigvision_per_param_optax_steps_and_frozen():
    import optax

    rules = jaxsched.from_config(PP_CFG)
    opt = rules.optimizer(optax.sgd)
    params = jax.tree_util.tree_map(jnp.asarray, PARAMS)
    state = jax.jit(opt.init)(params)

    @jax.jit
    def step(p, st):  # every gradient is 1
        upd, st = opt.update(jax.tree_util.tree_map(jnp.ones_like, p), st, p)
        return optax.apply_updates(p, upd), upd, st

    names = jax.tree_util.tree_leaves(jaxsched.param_names(params))
    p = params
    for k in range(4):  # update k uses lr(k): sgd's update is -lr(k) x grad
        p, upd, state = step(p, state)
        for name, u in zip(names, jax.tree_util.tree_leaves(upd)):
            ref = pp_reference(name, k)
            want = 0.0 if ref is None else -ref
            np.testing.assert_allclose(np.asarray(u, np.float64), want, rtol=1e-6, atol=1e-12,
                                       err_msg=f"{name} at update {k}")
    for name, a, b in zip(names, jax.tree_util.tree_leaves(params), jax.tree_util.tree_leaves(p)):
        if pp_reference(name, 0) is None:  # frozen: never moved
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=name)
    hp = jaxsched.current_hyperparams(state)
    np.testing.assert_allclose(float(hp["img/head/.*/learning_rate"]),
                               pp_reference("img/head/kernel", 3), rtol=1e-6)
    assert not any(key.startswith("img/.*/") for key in hp)  # frozen: no optimizer state


def test_bigvision_per_param_unmatched_parameter_raises():
    cfg = {**PP_CFG, "schedule": PER_PARAM[:-1]}  # no ".*": "t" is matched by nothing
    rules = jaxsched.from_config(cfg)
    with pytest.raises(ValueError, match=r"\['t'\] match no regex.*All params must be covered"):
        rules.labels(PARAMS)
    import optax

    with pytest.raises(ValueError, match=r"\['t'\] match no regex"):
        rules.optimizer(optax.adam).init(jax.tree_util.tree_map(jnp.asarray, PARAMS))


def test_bigvision_per_param_all_frozen_is_legal():
    import optax

    rules = jaxsched.from_config({**PP_CFG, "schedule": [(".*", None)]})
    opt = rules.optimizer(optax.adam)
    params = jax.tree_util.tree_map(jnp.asarray, PARAMS)
    upd, _ = opt.update(params, opt.init(params), params)
    assert all(not np.any(np.asarray(u)) for u in jax.tree_util.tree_leaves(upd))


def test_bigvision_per_param_yaml_end_to_end(tmp_path):
    import yaml

    (tmp_path / "bv.yaml").write_text(yaml.safe_dump(
        {**PP_CFG, "schedule": [[r, s] for r, s in PER_PARAM]}))
    rules = jaxsched.from_config(str(tmp_path / "bv.yaml"))
    assert rules == jaxsched.from_config(PP_CFG)
    np.testing.assert_allclose(host(rules["txt/enc/0"], PP_COUNTS),
                               [pp_reference("txt/enc/0", k) for k in PP_COUNTS], rtol=1e-12)
    (tmp_path / "bv_pp.py").write_text(  # a big_vision Python config file, get_config()
        f"def get_config():\n    return {PP_CFG!r}\n")
    assert jaxsched.from_config(str(tmp_path / "bv_pp.py")) == rules
    with pytest.raises(ValueError, match="hyperparam"):
        jaxsched.from_config(PP_CFG, hyperparam="momentum")
    with pytest.raises(ValueError, match=r"from_config.*big_vision_config"):
        jaxsched.config.load_config(str(tmp_path / "bv.yaml"))


@pytest.mark.parametrize("schedule, err, match", [
    ([("/img/.*", None), (".*", {})], ValueError, r"config\.schedule\[0\].*starts with '/'"),
    ([("img/(", None)], ValueError, r"config\.schedule\[0\].*does not compile"),
    ([(".*", {}), (".*", None)], ValueError, r"config\.schedule\[1\].*repeats config\.schedule\[0\]"),
    ([("img/.*", {"decay_typ": "cosine"})], ValueError, r"decay_typ.*config\.schedule\[0\]"),
    ([("img/.*", {"base": 1.0})], ValueError, r"config\.schedule\[0\].*base"),
    ([], ValueError, "pairs"),
    ([("img/.*",)], ValueError, "pairs"),
])
def test_bigvision_per_param_bad_configs(schedule, err, match):
    with pytest.raises(err, match=match):
        jaxsched.from_config({**PP_CFG, "schedule": schedule})


@pytest.mark.parametrize("rules, err, match", [
    ("x", TypeError, "`rules` must be"),
    ([("a", 1.0, 2)], TypeError, r"`rules\[0\]` must be a \(regex, schedule\) pair"),
    ([(3, 1.0)], TypeError, r"`rules\[0\]`.*string"),
    ([("a", -1.0)], ValueError, r"rules\[0\].*>= 0"),
    ([("a", "fast")], TypeError, r"rules\[0\]"),
    ({}, ValueError, "at least one"),
])
def test_param_schedules_bad_input(rules, err, match):
    with pytest.raises(err, match=match):
        jaxsched.param_schedules(rules)


# ------------------------------------------------------------------ t5x, restated
# t5x_lr: t5x's create_learning_rate_scheduler restated (test_t5x_bigvision_names.py)


GIN = """
from __gin__ import dynamic_registration
from t5x import utils
include 't5x/configs/runs/pretrain.gin'   # ignored

WARMUP = 8
TRAIN_STEPS = 100
train_script.train.total_steps = %TRAIN_STEPS
train_script.train.learning_rate_fn = @utils.create_learning_rate_scheduler()
utils.create_learning_rate_scheduler.factors = 'constant * linear_warmup * rsqrt_decay'
utils.create_learning_rate_scheduler.base_learning_rate = 2.0  # a comment
utils.create_learning_rate_scheduler.warmup_steps = %WARMUP
"""


def test_t5x_gin_hand_derived():
    s = jaxsched.from_config(GIN)
    # 2 * min(1, k/8) / sqrt(max(k, 8)): k=4 -> 2 * .5 / sqrt(8); k=32 -> 2 / sqrt(32)
    np.testing.assert_allclose(host(s, [0, 4, 8, 32]),
                               [1e-8, 1 / 8 ** .5, 2 / 8 ** .5, 2 / 32 ** .5], rtol=1e-14)


@pytest.mark.parametrize("lines, kw", [
    ("t5x.utils.create_learning_rate_scheduler.factors = \"constant * decay_every\"\n"
     "t5x.utils.create_learning_rate_scheduler.steps_per_decay = 7\n"
     "t5x.utils.create_learning_rate_scheduler.decay_factor = 0.7\n"
     "t5x.utils.create_learning_rate_scheduler.base_learning_rate = 0.01\n",
     dict(factors="constant * decay_every", steps_per_decay=7, decay_factor=0.7,
          base_learning_rate=0.01)),
    ("train/utils.create_learning_rate_scheduler.factors = (\n"
     "    'constant * cosine_decay')\n"
     "train/utils.create_learning_rate_scheduler.warmup_steps = 5\n"
     "train/utils.create_learning_rate_scheduler.steps_per_cycle = 12\n"
     "train/utils.create_learning_rate_scheduler.step_offset = 3\n"
     "train/utils.create_learning_rate_scheduler.min_learning_rate = 0.0\n",
     dict(factors="constant * cosine_decay", warmup_steps=5, steps_per_cycle=12, step_offset=3,
          min_learning_rate=0.0)),
], ids=["decay_every_module_path", "cosine_decay_scoped_continued"])
def test_t5x_gin_matches_restatement(lines, kw, tmp_path):
    ref = np.array([t5x_lr(k, **kw) for k in range(50)])
    check(jaxsched.from_config(lines), ref)
    (tmp_path / "lr.gin").write_text(lines)
    check(jaxsched.from_config(tmp_path / "lr.gin"), ref)


@pytest.mark.parametrize("text, match", [
    ("utils.create_learning_rate_scheduler.warmup = 10\n", r"create_learning_rate_scheduler\.warmup"),
    ("utils.create_learning_rate_scheduler.warmup_steps = %NOPE\n", "NOPE"),
    ("utils.create_learning_rate_scheduler.factors = @foo()\n", "literal"),
    ("utils.create_learning_rate_scheduler.factors = 'constant * nope'\n", "nope"),
])
def test_t5x_gin_bad(text, match):
    with pytest.raises(ValueError, match=match):
        jaxsched.from_config(text)
    with pytest.raises(ValueError, match="binds no"):
        fw.t5x_gin_config("train_script.train.total_steps = 10\n")
