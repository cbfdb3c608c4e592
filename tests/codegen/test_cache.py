"""The on-disk kernel cache: rebuilt when stale or corrupted, safe under concurrency."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

ARRAY = textwrap.dedent(
    """
    import numpy as np, sympy as sp, symflow as sf
    z = sp.Symbol("z", real=True)
    k = sf.Flow(sf.Normal(0, 1), [sf.Transform(2 * sp.sinh(z) + 1, z)]).compile()
    print(repr(float(k.log_prob(np.array([0.3]))[0])))
    """
)
# the array kernel (native code) and the scalar numba entry point (numba's own cache)
SCRIPT = ARRAY + "assert k.log_prob_1(0.3) == k.log_prob(np.array([0.3]))[0]\n"


def _env(cache, numba_cache=None) -> dict:
    """The environment of a subprocess using ``cache``; numba's machine code goes beside
    the kernel modules unless ``numba_cache`` names a $NUMBA_CACHE_DIR."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["SYMFLOW_CACHE_DIR"] = str(cache)
    if numba_cache is not None:
        env["NUMBA_CACHE_DIR"] = str(numba_cache)
    return env


def _run(cache, check=True, script=SCRIPT, numba_cache=None):
    env = _env(cache, numba_cache)
    out = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert out.returncode == 0, out.stderr
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return cache, _run(cache).stdout.strip()


def test_cached_module_and_numba_files_are_written(reference):
    cache, _ = reference
    assert list(cache.glob("symflow_kernel_*.py"))
    assert list((cache / "__pycache__").glob("*.nbi"))


@pytest.mark.parametrize("damage", ["garbage", "truncate", "empty"])
def test_corrupted_numba_cache_is_rebuilt(tmp_path, reference, damage):
    cache, value = reference
    shutil.copytree(cache, tmp_path, dirs_exist_ok=True)
    files = list((tmp_path / "__pycache__").glob("*.nb*"))
    assert files
    for f in files:
        data = f.read_bytes()
        f.write_bytes(
            {"garbage": os.urandom(64), "truncate": data[: len(data) // 3], "empty": b""}[damage]
        )
    out = _run(tmp_path, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == value


@pytest.mark.parametrize("damage", ["garbage", "truncate"])
def test_corrupted_numba_cache_under_numba_cache_dir_is_rebuilt(tmp_path, reference, damage):
    _, value = reference
    kernels, numba_cache = tmp_path / "kernels", tmp_path / "numba"
    _run(kernels, numba_cache=numba_cache)
    files = [f for f in numba_cache.rglob("symflow_kernel_*.nb*")]
    assert files and not list(kernels.glob("__pycache__/*.nb*"))
    for f in files:
        data = f.read_bytes()
        f.write_bytes(os.urandom(64) if damage == "garbage" else data[: len(data) // 3])
    out = _run(kernels, check=False, numba_cache=numba_cache)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == value


def test_corrupted_module_file_is_rewritten(tmp_path, reference):
    cache, value = reference
    shutil.copytree(cache, tmp_path, dirs_exist_ok=True)
    for f in tmp_path.glob("symflow_kernel_*.py"):
        f.write_text("this is not python (")
    assert _run(tmp_path).stdout.strip() == value


def test_stale_module_from_another_version_is_replaced(tmp_path, reference):
    cache, value = reference
    shutil.copytree(cache, tmp_path, dirs_exist_ok=True)
    for f in tmp_path.glob("symflow_kernel_*.py"):
        f.write_text(f.read_text().replace("log_prob_1", "log_prob_1_old"))
    assert _run(tmp_path).stdout.strip() == value


def test_concurrent_processes_share_one_cache(tmp_path, reference):
    _, value = reference
    env = _env(tmp_path)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), [e for _, e in outs]
    assert {o.strip() for o, _ in outs} == {value}
    assert not list(tmp_path.glob("*.tmp"))
    assert _run(tmp_path).stdout.strip() == value  # and the cache they left is sound


# --------------------------------------------------------------------------- native code
NO_NUMBA = ARRAY + 'import sys\nprint("numba" in sys.modules)\n'


def _native_files(cache):
    return sorted((cache / "native").glob("*.o")), sorted((cache / "native").glob("*.json"))


def test_native_machine_code_is_written_with_its_record(reference):
    cache, _ = reference
    codes, records = _native_files(cache)
    assert codes and len(codes) == len(records)
    record = json.loads(records[0].read_text())
    assert record["sha256"] == hashlib.sha256(codes[0].read_bytes()).hexdigest()
    assert record["symbol"].startswith("cfunc.")


def test_a_cached_kernel_loads_without_importing_numba(tmp_path, reference):
    cache, value = reference
    shutil.copytree(cache, tmp_path, dirs_exist_ok=True)
    assert _run(tmp_path, script=NO_NUMBA).stdout.split() == [value, "False"]


@pytest.mark.parametrize(
    "damage", ["garbage code", "truncated code", "empty code", "garbage record", "other symbol"]
)
def test_damaged_native_code_is_never_loaded_and_is_rebuilt(tmp_path, reference, damage):
    cache, value = reference
    shutil.copytree(cache, tmp_path, dirs_exist_ok=True)
    codes, records = _native_files(tmp_path)
    for code, record in zip(codes, records, strict=True):
        data = code.read_bytes()
        if damage == "garbage code":
            code.write_bytes(os.urandom(len(data)))
        elif damage == "truncated code":
            code.write_bytes(data[: len(data) // 2])
        elif damage == "empty code":
            code.write_bytes(b"")
        elif damage == "garbage record":
            record.write_text("{not json")
        else:  # a record whose hash matches but names a symbol that is not in the code
            meta = json.loads(record.read_text())
            meta["symbol"] = "cfunc.no_such_function"
            record.write_text(json.dumps(meta))
    out = _run(tmp_path, check=False, script=NO_NUMBA)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == value
    # rebuilt: the next process loads the rewritten code without numba
    assert _run(tmp_path, script=NO_NUMBA).stdout.split() == [value, "False"]


def test_the_symbols_read_from_the_object_file_are_what_nm_reports(reference):
    from symflow.codegen.native import undefined_symbols

    nm = shutil.which("nm")
    if nm is None and not os.environ.get("CI"):
        pytest.skip("binutils' nm is not installed")
    cache, _ = reference
    codes, _ = _native_files(cache)
    listed = subprocess.run([nm, "-u", str(codes[0])], capture_output=True, text=True, check=True)
    want = sorted(line.split()[-1] for line in listed.stdout.splitlines() if line.strip())
    assert undefined_symbols(codes[0].read_bytes()) == want
    assert "PyErr_WriteUnraisable" in want  # the callback's error path


def test_code_needing_a_symbol_this_process_lacks_is_neither_saved_nor_loaded():
    from symflow.codegen import native

    assert native._linkable(["PyErr_Clear", "log", "numba_gil_ensure"])
    assert not native._linkable(["PyErr_Clear", "symflow_no_such_runtime_symbol"])
    assert not native._linkable(None)  # not an ELF object


def test_a_record_for_other_code_is_not_loaded(tmp_path, reference):
    from symflow.codegen import native

    cache, _ = reference
    codes, records = _native_files(cache)
    prefix = tmp_path / "kernel"
    code_path, record_path = native._paths(prefix)
    code_path.write_bytes(codes[0].read_bytes())
    meta = json.loads(records[0].read_text())
    assert meta["signature"] == ""  # no parameters
    assert native.load_native(prefix, "", cache) is None  # no record yet
    record_path.write_text(json.dumps({**meta, "sha256": "0" * 64}))
    assert native.load_native(prefix, "", cache) is None  # not this code
    record_path.write_text(json.dumps(meta))
    assert native.load_native(prefix, "d", cache) is None  # another signature
    assert native.load_native(prefix, "", tmp_path) is None  # not signed with that key
    kernel = native.load_native(prefix, "", cache)
    assert kernel is not None and kernel.source == "cache"
    x, out = np.array([0.3, -2.0]), np.empty(2)
    kernel(x, out, [])
    # 2 sinh(z) + 1 of a standard normal: z = asinh((x - 1)/2), |dz/dx| = 1/(2 cosh z)
    zs = np.arcsinh((x - 1) / 2)
    want = -0.5 * zs**2 - 0.5 * np.log(2 * np.pi) - np.log(2 * np.cosh(zs))
    np.testing.assert_allclose(out, want, rtol=1e-13)


HARDER = textwrap.dedent(
    """
    import sys
    import numpy as np, sympy as sp, symflow as sf
    z = sp.Symbol("z", real=True)
    xs = np.array([-0.9, 0.2, 0.7])
    erf = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.erf(z), z)]).compile()  # a helper
    logit = sf.Flow(sf.Beta(2, 3), [sf.Transform(sp.log(z / (1 - z)), z)]).compile()
    implicit = sf.Flow(sf.Normal(0, 1), [sf.Transform(sp.sinh(z) + z, z)]).compile()
    rows = [erf.log_prob(xs), logit.log_prob(xs), implicit.log_prob(xs), logit.sample(3, seed=1)]
    print(repr([[float(v) for v in row] for row in rows]))
    print("numba" in sys.modules)
    """
)


def test_kernels_calling_helpers_and_solvers_load_without_numba(tmp_path):
    """Loops that call a non-inlined function (a helper such as erfinv, a root solver)
    keep numba's exception plumbing in their code; it links against symflow's stubs."""
    import mpmath as mp
    from scipy import special, stats

    env = _env(tmp_path)
    runs = [
        subprocess.run(
            [sys.executable, "-c", HARDER], env=env, capture_output=True, text=True, timeout=300
        )
        for _ in range(2)
    ]
    assert all(r.returncode == 0 for r in runs), [r.stderr for r in runs]
    assert runs[1].stdout.split("\n")[1] == "False"  # the second process: no numba
    assert runs[0].stdout.split("\n")[0] == runs[1].stdout.split("\n")[0]
    erf, logit, implicit, draws = eval(runs[1].stdout.split("\n")[0])  # noqa: S307 - our output
    xs = np.array([-0.9, 0.2, 0.7])
    w = special.erfinv(xs)
    want = stats.norm.logpdf(w) - np.log(2 / np.sqrt(np.pi)) + w**2
    np.testing.assert_allclose(erf, want, rtol=1e-12)
    s = special.expit(xs)
    np.testing.assert_allclose(logit, stats.beta(2, 3).logpdf(s) + np.log(s * (1 - s)), rtol=1e-12)
    for x, got in zip(xs, implicit, strict=True):
        t = mp.findroot(lambda t, x=x: mp.sinh(t) + t - x, 0)
        want = -(t**2) / 2 - mp.log(mp.sqrt(2 * mp.pi)) - mp.log(mp.cosh(t) + 1)
        assert abs(got - float(want)) <= 1e-12 * abs(float(want))
    assert np.all(np.isfinite(draws)) and len(draws) == 3
