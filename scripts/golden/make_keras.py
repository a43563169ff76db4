# ruff: noqa: E501  (case tables: one case per line reads better than wrapped)
"""Golden vectors from Keras 3's learning-rate schedules -> tests/config/golden/keras.json.

Runs the real `keras.optimizers.schedules.*` classes (keras installed with pip, jax backend).
A Keras optimizer calls `schedule(iterations)` and increments `iterations` after applying the
update, so update k uses `schedule(k)`; the script records `schedule(k)` for k in range(N).

Two precisions, recorded as separate cases (ids end in -f32 / -f64, field "dtype"):

  float32: Keras's default (a Python-float initial_learning_rate converts to float32, the step is
           cast to it). Every float32 case is also run through a real `keras.optimizers.SGD`
           (float32 variable reset to 0, gradient 1): the update applied at step k is checked equal
           to schedule(k).
  float64: JAX x64 enabled (a subprocess with JAX_ENABLE_X64=1) and initial_learning_rate (for
           PiecewiseConstantDecay: every value) passed as numpy.float64. The result dtype is
           float64, but Keras's jax backend computes some elementwise ops (cos, log) in float32 (its
           result_type maps float64 to float32 outside TensorFlow), so the f64 values of CosineDecay
           and CosineDecayRestarts carry float32 rounding. That is what Keras does; recorded as such.

Usage (see README.md):  python scripts/golden/make_keras.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ["KERAS_BACKEND"] = "jax"

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Checker, to_float, write_golden  # noqa: E402

SCHED = keras.optimizers.schedules
VERIFY_UPDATES = 12  # eager keras ops (lax.cond re-traced per call) are slow: check a prefix only


def C(id, name, params, steps, **extra):  # noqa: A002
    return {"id": id, "name": name, "params": params, "steps": steps, **extra}


def build_cases() -> list[dict]:
    cs = []
    K = "CosineDecay"
    cs += [
        C("cosdecay-warmup-0-to-1", K, {"initial_learning_rate": 0.0, "decay_steps": 4, "alpha": 0.1,
                                        "warmup_target": 1.0, "warmup_steps": 2}, 12,
          note="decay_steps excludes the warmup; alpha is relative to warmup_target"),
        C("cosdecay-D10", K, {"initial_learning_rate": 1.0, "decay_steps": 10}, 30),
        C("cosdecay-D10-alpha.1", K, {"initial_learning_rate": 1.0, "decay_steps": 10, "alpha": 0.1}, 30),
        C("cosdecay-target-W0", K, {"initial_learning_rate": 0.5, "decay_steps": 8, "warmup_target": 1.0,
                                    "warmup_steps": 0}, 20,
          note="warmup_steps=0 with a target: decays from warmup_target from step 0"),
        C("cosdecay-W5-no-target", K, {"initial_learning_rate": 1.0, "decay_steps": 10, "warmup_steps": 5}, 20,
          note="warmup_steps is ignored without warmup_target"),
        C("cosdecay-D1", K, {"initial_learning_rate": 1.0, "decay_steps": 1}, 4),
        C("cosdecay-D2-W1", K, {"initial_learning_rate": 0.0, "decay_steps": 2, "warmup_target": 1.0,
                                "warmup_steps": 1}, 8),
        C("cosdecay-warmup-down", K, {"initial_learning_rate": 2.0, "decay_steps": 6, "alpha": 0.2,
                                      "warmup_target": 0.5, "warmup_steps": 3}, 25),
        C("cosdecay-alpha1", K, {"initial_learning_rate": 0.3, "decay_steps": 10, "alpha": 1.0}, 12),
        C("cosdecay-D1000-long", K, {"initial_learning_rate": 1e-3, "decay_steps": 1000, "alpha": 0.01}, 2100),
        C("cosdecay-W20-D180-long", K, {"initial_learning_rate": 0.0, "decay_steps": 180,
                                        "warmup_target": 1e-3, "warmup_steps": 20}, 420),
    ]
    R = "CosineDecayRestarts"
    cs += [
        C("cosrestarts-D2-t2-m.5-a.1", R, {"initial_learning_rate": 1.0, "first_decay_steps": 2, "t_mul": 2.0,
                                           "m_mul": 0.5, "alpha": 0.1}, 20, note="alpha is not scaled by m_mul"),
        C("cosrestarts-D5-defaults", R, {"initial_learning_rate": 1.0, "first_decay_steps": 5}, 40),
        C("cosrestarts-D4-t1-m1", R, {"initial_learning_rate": 1.0, "first_decay_steps": 4, "t_mul": 1.0,
                                      "m_mul": 1.0}, 16),
        C("cosrestarts-D4-t1.5-m.8-a.05", R, {"initial_learning_rate": 1.0, "first_decay_steps": 4,
                                              "t_mul": 1.5, "m_mul": 0.8, "alpha": 0.05}, 40),
        C("cosrestarts-D1-t2", R, {"initial_learning_rate": 1.0, "first_decay_steps": 1, "t_mul": 2.0}, 16),
        C("cosrestarts-D3-t3-m.5", R, {"initial_learning_rate": 1.0, "first_decay_steps": 3, "t_mul": 3.0,
                                       "m_mul": 0.5}, 40),
        C("cosrestarts-D10-t1-m.9-a.01", R, {"initial_learning_rate": 0.1, "first_decay_steps": 10,
                                             "t_mul": 1.0, "m_mul": 0.9, "alpha": 0.01}, 50),
        C("cosrestarts-D2-t2.5", R, {"initial_learning_rate": 1.0, "first_decay_steps": 2, "t_mul": 2.5}, 40),
    ]
    X = "ExponentialDecay"
    cs += [
        C("expdecay-D10-.5", X, {"initial_learning_rate": 1.0, "decay_steps": 10, "decay_rate": 0.5}, 30),
        C("expdecay-D10-.5-stair", X, {"initial_learning_rate": 1.0, "decay_steps": 10, "decay_rate": 0.5,
                                       "staircase": True}, 30),
        C("expdecay-D3-.5-stair", X, {"initial_learning_rate": 1.0, "decay_steps": 3, "decay_rate": 0.5,
                                      "staircase": True}, 12),
        C("expdecay-D1-.9", X, {"initial_learning_rate": 1.0, "decay_steps": 1, "decay_rate": 0.9}, 10),
        C("expdecay-D2.5-.5-stair", X, {"initial_learning_rate": 1.0, "decay_steps": 2.5, "decay_rate": 0.5,
                                        "staircase": True}, 12),
        C("expdecay-growth", X, {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 1.1}, 20),
        C("expdecay-D7-.96", X, {"initial_learning_rate": 1.0, "decay_steps": 7, "decay_rate": 0.96}, 30),
        C("expdecay-rate0", X, {"initial_learning_rate": 1.0, "decay_steps": 4, "decay_rate": 0.0}, 6),
    ]
    V = "InverseTimeDecay"
    cs += [
        C("invtime-D2-.5-stair", V, {"initial_learning_rate": 1.0, "decay_steps": 2, "decay_rate": 0.5,
                                     "staircase": True}, 10),
        C("invtime-D2-.5", V, {"initial_learning_rate": 1.0, "decay_steps": 2, "decay_rate": 0.5}, 10),
        C("invtime-D1-1", V, {"initial_learning_rate": 1.0, "decay_steps": 1, "decay_rate": 1.0}, 10),
        C("invtime-D10-.5", V, {"initial_learning_rate": 1.0, "decay_steps": 10, "decay_rate": 0.5}, 30),
        C("invtime-D3-2-stair", V, {"initial_learning_rate": 1.0, "decay_steps": 3, "decay_rate": 2.0,
                                    "staircase": True}, 12),
        C("invtime-rate0", V, {"initial_learning_rate": 1.0, "decay_steps": 5, "decay_rate": 0.0}, 6),
        C("invtime-D1.5-stair", V, {"initial_learning_rate": 0.1, "decay_steps": 1.5, "decay_rate": 0.5,
                                    "staircase": True}, 10),
        C("invtime-D100-1-long", V, {"initial_learning_rate": 1.0, "decay_steps": 100, "decay_rate": 1.0}, 300),
    ]
    P = "PiecewiseConstantDecay"
    cs += [
        C("piecewise-2-4", P, {"boundaries": [2, 4], "values": [1.0, 0.5, 0.25]}, 8,
          note="the boundary step keeps the old value"),
        C("piecewise-5", P, {"boundaries": [5], "values": [1.0, 0.1]}, 10),
        C("piecewise-0", P, {"boundaries": [0], "values": [1.0, 0.5]}, 4),
        C("piecewise-1-2-3", P, {"boundaries": [1, 2, 3], "values": [1.0, 0.5, 0.25, 0.125]}, 6),
        C("piecewise-float-bounds", P, {"boundaries": [2.5, 5.5], "values": [1.0, 0.5, 0.25]}, 8,
          note="float boundaries are cast to the (integer) step dtype, so 2.5 acts as 2 and 5.5 as 5"),
        C("piecewise-increasing", P, {"boundaries": [3, 6], "values": [0.1, 0.5, 1.0]}, 10),
        C("piecewise-repeated", P, {"boundaries": [3, 3], "values": [1.0, 0.5, 0.25]}, 6,
          note="an empty middle interval: values[1] is never used"),
        C("piecewise-100-200-long", P, {"boundaries": [100, 200], "values": [1e-3, 1e-4, 1e-5]}, 300),
    ]
    Y = "PolynomialDecay"
    cs += [
        C("polydecay-D4-end0-cycle", Y, {"initial_learning_rate": 1.0, "decay_steps": 4, "end_learning_rate": 0.0,
                                         "cycle": True}, 14, note="the restart shows at kD+1, not kD"),
        C("polydecay-D4-end0", Y, {"initial_learning_rate": 1.0, "decay_steps": 4, "end_learning_rate": 0.0}, 12),
        C("polydecay-D10-end.1-p2", Y, {"initial_learning_rate": 1.0, "decay_steps": 10,
                                        "end_learning_rate": 0.1, "power": 2.0}, 30),
        C("polydecay-D10-p.5-cycle", Y, {"initial_learning_rate": 1.0, "decay_steps": 10,
                                         "end_learning_rate": 0.0, "power": 0.5, "cycle": True}, 35),
        C("polydecay-D10-defaults", Y, {"initial_learning_rate": 1.0, "decay_steps": 10}, 25,
          note="end_learning_rate defaults to 1e-4"),
        C("polydecay-D1-cycle", Y, {"initial_learning_rate": 1.0, "decay_steps": 1, "end_learning_rate": 0.0,
                                    "cycle": True}, 6),
        C("polydecay-increasing", Y, {"initial_learning_rate": 0.1, "decay_steps": 5, "end_learning_rate": 1.0},
          15),
        C("polydecay-D3-p3-cycle", Y, {"initial_learning_rate": 1.0, "decay_steps": 3, "end_learning_rate": 0.0,
                                       "power": 3.0, "cycle": True}, 15),
    ]
    return cs


def make(case: dict, f64: bool):
    params = dict(case["params"])
    if f64:
        if case["name"] == "PiecewiseConstantDecay":
            params["values"] = [np.float64(v) for v in params["values"]]
        else:
            params["initial_learning_rate"] = np.float64(params["initial_learning_rate"])
    return getattr(SCHED, case["name"])(**params)


def run_all(f64: bool) -> list[dict]:
    """schedule(k) eagerly (as optimizer.apply_gradients outside a compiled step sees it), and under
    jax.jit (as the compiled train step of model.fit sees it); lr_jit is kept only where they differ."""
    import jax.numpy as jnp

    out = []
    want = "float64" if f64 else "float32"
    step_dtype = jnp.int64 if f64 else jnp.int32  # the dtype of optimizer.iterations
    for case in build_cases():
        sched = make(case, f64)
        vals = [sched(k) for k in range(case["steps"])]
        jitted = jax.jit(lambda k, sched=sched: sched(k))
        jvals = [jitted(jnp.asarray(k, dtype=step_dtype)) for k in range(case["steps"])]
        dtypes = {str(v.dtype) for v in vals + jvals}
        if dtypes != {want}:
            raise SystemExit(f"{case['id']}: expected {want} results, got {dtypes}")
        c = dict(case)
        c["id"] = f"{case['id']}-{'f64' if f64 else 'f32'}"
        c["dtype"] = want
        c["lr"] = [to_float(np.asarray(v)) for v in vals]
        lr_jit = [to_float(np.asarray(v)) for v in jvals]
        if lr_jit != c["lr"]:
            c["lr_jit"] = lr_jit
        out.append(c)
        print(f"  {c['id']}: {c['steps']} steps{' (jit differs)' if 'lr_jit' in c else ''}", flush=True)
    return out


def verify_with_optimizer(cases: list[dict]) -> None:
    """float32: run a real keras SGD and check the applied update k equals the recorded schedule(k)."""
    from keras import ops

    for c in cases:
        sched = make(c, f64=False)
        opt = keras.optimizers.SGD(learning_rate=sched)
        w = keras.Variable(np.zeros(1, np.float32))
        opt.build([w])
        for k in range(min(c["steps"], VERIFY_UPDATES)):
            w.assign(np.zeros(1, np.float32))
            opt.apply_gradients([(ops.ones(1), w)])
            applied = -float(ops.convert_to_numpy(w)[0])
            if applied != c["lr"][k]:
                raise SystemExit(f"{c['id']}: SGD applied {applied!r} at update {k}, schedule gave {c['lr'][k]!r}")
    print(f"keras SGD applied schedule(k) at update k in all {len(cases)} float32 cases "
          f"(first <= {VERIFY_UPDATES} updates, eager apply_gradients)", flush=True)


def checks(cases: list[dict]) -> None:
    ck = Checker(cases)
    src = "anchors.md (d) Keras"
    for sfx in ("f32", "f64"):
        ck.check(f"piecewise-2-4-{sfx}", [1, 1, 1, .5, .5, .25], 1e-7, source=src)
        ck.check(f"polydecay-D4-end0-cycle-{sfx}", [1, .75, .5, .25, 0, .375, .25, .125, 0, .25], 1e-7,
                 source=src)
        ck.check(f"cosdecay-warmup-0-to-1-{sfx}", [0, .5, 1, .8682, .55, .2318, .1, .1], 5e-5, source=src)
        ck.check(f"cosrestarts-D2-t2-m.5-a.1-{sfx}", [1, .55, .55, .4841, .325, .1659, .325, .3164], 5e-5,
                 source=src)
        ck.check(f"invtime-D2-.5-stair-{sfx}", [1, 1, .6667, .6667, .5], 5e-5, source=src)
    ck.finish()


def main() -> None:
    if "--float64-worker" in sys.argv:
        if not jax.config.jax_enable_x64:
            raise SystemExit("float64 worker needs JAX_ENABLE_X64=1")
        Path(sys.argv[-1]).write_text(json.dumps(run_all(f64=True)))
        return
    if jax.config.jax_enable_x64:
        raise SystemExit("run without JAX_ENABLE_X64: the float32 cases are Keras's default precision")
    print(f"keras {keras.__version__} (backend {keras.backend.backend()}), jax {jax.__version__}")
    cases32 = run_all(f64=False)
    verify_with_optimizer(cases32)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "f64.json"
        env = dict(os.environ, JAX_ENABLE_X64="1", KERAS_BACKEND="jax")
        subprocess.run([sys.executable, __file__, "--float64-worker", str(out)], check=True, env=env)
        cases64 = json.loads(out.read_text())
    by_id = {c["id"]: c for c in cases64}
    cases = []
    for c in cases32:  # interleave: each f32 case followed by its f64 twin
        cases.append(c)
        cases.append(by_id[c["id"][:-4] + "-f64"])
    checks(cases)
    header = {
        "library": "keras",
        "version": keras.__version__,
        "source": "keras.optimizers.schedules (keras/src/optimizers/schedules/learning_rate_schedule.py), "
                  "pip install keras, KERAS_BACKEND=jax",
        "generator": "scripts/golden/make_keras.py",
        "backend": keras.backend.backend(),
        "jax": jax.__version__,
        "loop": "values[k] = schedule(k): the optimizer calls schedule(iterations) before incrementing",
        "notes": [
            "dtype float32: Keras default (Python-float params), checked against a real keras SGD update",
            "dtype float64: JAX_ENABLE_X64=1 and initial_learning_rate (PiecewiseConstantDecay: values) "
            "passed as numpy.float64; Keras's jax backend still computes cos/log in float32 "
            "(keras.src.backend.common.dtypes maps float64 results to float32 outside TensorFlow), so "
            "CosineDecay/CosineDecayRestarts f64 values carry float32 rounding",
            "params are the schedule constructor's keyword arguments as a user passes them",
            "lr is schedule(k) evaluated eagerly (keras ops one by one, as optimizer.apply_gradients does "
            "outside a compiled step); lr_jit, present only where it differs, is schedule(k) under jax.jit "
            "(as model.fit's compiled train step evaluates it): XLA fusion changes float32 rounding by a "
            "few ulp",
        ],
    }
    write_golden("keras.json", header, cases)


if __name__ == "__main__":
    main()
