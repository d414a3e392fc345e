"""Is a no_grad forward *sampling* (its output only ever becomes images), not evaluation?

A GAN's generator or a VAE's decoder is run under `torch.no_grad()` during
training to look at what it draws (the PyTorch DCGAN tutorial does so with the
generator still in training mode). That is not an evaluation with a metric, and
`missing-eval` must not call it one. Evaluation is what feeds a loss, a
comparison, a metric or a print; so the test is positive and narrow: every use
of the output, followed through assignments, list appends, tensor reshaping and
the script's own helper functions, ends in an image/visualisation call
(`save_image`, `make_grid`, `add_image`, `imshow`, `Image.fromarray`…). Anything
else, or no use at all, is not sampling.
"""

from __future__ import annotations

import ast

from dllab.diagnose.static import Source, call_name, dotted, last, target_names

IMAGE_SINKS = {
    "save_image",
    "make_grid",
    "draw_bounding_boxes",
    "imshow",
    "imsave",
    "imwrite",
    "add_image",
    "add_images",
    "add_figure",
    "add_video",
    "Image",  # wandb.Image
    "Video",  # wandb.Video
    "fromarray",  # PIL.Image.fromarray
    "savefig",
    "write_video",
    "write_png",
    "write_jpeg",
    "encode_png",
    "log_image",
    "log_images",
    "to_pil_image",
}
"""Calls whose argument is shown or stored as a picture: the end of a sampling path."""

PASS_METHODS = {
    "detach",
    "cpu",
    "numpy",
    "clamp",
    "clamp_",
    "clip",
    "clip_",
    "mul",
    "mul_",
    "add",
    "add_",
    "sub",
    "sub_",
    "div",
    "div_",
    "permute",
    "transpose",
    "view",
    "reshape",
    "squeeze",
    "unsqueeze",
    "float",
    "half",
    "to",
    "contiguous",
    "flip",
    "byte",
    "round",
    "astype",
    "expand",
    "repeat",
    "sigmoid",
    "tanh",
}
"""Tensor methods that reshape, move or rescale pixels: the value is still the image."""

PASS_FUNCS = {
    "cat",
    "stack",
    "vstack",
    "hstack",
    "concatenate",
    "transpose",
    "asarray",
    "array",
    "list",
    "clamp",
    "clip",
    "uint8",
    "interpolate",
}
PASS_ATTRS = {"data", "T", "mT"}
NEUTRAL_OWNER = {"append", "extend", "insert", "clear"}
"""`samples.append(...)` uses `samples` without reading it."""
NOT_MODELS = ("torch.", "np.", "numpy.", "F.", "nn.", "math.", "random.")
BUILTINS = {"range", "len", "print", "int", "float", "str", "list", "tuple", "dict", "enumerate"}
MAX_DEPTH = 4


def sampling_at(src: Source, line: int) -> bool:
    """Is every model-like call on `line` a forward whose output only becomes images?"""
    outer = _model_calls(src, line)
    return bool(outer) and all(_to_images(src, c, 0) for c in outer)


def sampling_site(src: Source, line: int, chains: list[list[int]] | None) -> bool:
    """The forward seen at `line` samples: at `line` itself or, where `line` returns the
    model's output from a helper (`def decode(self, z): return self.decoder(z)`), at the
    first line of each recorded caller chain (innermost first) that is not such a return.

    `chains` None: the chains were not all kept, so not every caller can be judged.
    """
    if sampling_at(src, line):
        return True
    if chains is None or not chains or not _returns_model(src, line):
        return False
    for chain in chains:
        rest = list(chain)
        while rest and _returns_model(src, rest[0]):
            rest.pop(0)
        if not rest or not sampling_at(src, rest[0]):
            return False
    return True


def _model_calls(src: Source, line: int) -> list[ast.Call]:
    """The outermost calls on `line` that may run a model (not torch's, builtins, reshaping)."""
    calls = [c for c in _calls_on(src, line) if _may_be_model(c)]
    return [c for c in calls if not any(_inside_args(src, c, o) for o in calls if o is not c)]


def _returns_model(src: Source, line: int) -> bool:
    """`line` is `return <a model call>` (the value the caller gets is the model's output)."""
    calls = _model_calls(src, line)
    return bool(calls) and all(isinstance(src.parents.get(c), ast.Return) for c in calls)


def _calls_on(src: Source, line: int) -> list[ast.Call]:
    return [c for c in src.calls() if c.lineno <= line <= (c.end_lineno or c.lineno)]


def _may_be_model(call: ast.Call) -> bool:
    name = call_name(call)
    tail = last(name)
    if not name or name.startswith(NOT_MODELS) or tail in BUILTINS:
        return False
    return tail not in IMAGE_SINKS | PASS_METHODS | PASS_FUNCS | NEUTRAL_OWNER


def _inside_args(src: Source, node: ast.AST, call: ast.Call) -> bool:
    """Is `node` within the arguments (not the callee) of `call`?"""
    return any(anc is call for anc in src.ancestors(node)) and not any(
        node is n for n in ast.walk(call.func)
    )


def _to_images(src: Source, node: ast.AST, depth: int) -> bool:
    """Does the value of expression `node` end, by every path, in an image sink?"""
    if depth > MAX_DEPTH:
        return False
    while True:
        parent = src.parents.get(node)
        if parent is None:
            return False
        if isinstance(parent, ast.Attribute) and parent.value is node:
            call = src.parents.get(parent)
            if isinstance(call, ast.Call) and call.func is parent:
                if parent.attr not in PASS_METHODS:
                    return False
                node = call
                continue
            if parent.attr not in PASS_ATTRS:
                return False
            node = parent
            continue
        if isinstance(parent, ast.keyword):
            node = parent
            continue
        if isinstance(parent, ast.Call) and parent.func is not node:
            tail = last(call_name(parent))
            if tail in IMAGE_SINKS:
                return True
            if tail in PASS_FUNCS:
                node = parent
                continue
            if tail in ("append", "extend", "insert") and isinstance(parent.func, ast.Attribute):
                stmt = _statement(src, parent)
                owner = dotted(parent.func.value)
                return bool(owner) and _name_to_images(src, stmt, owner, depth + 1)
            return _helper_to_images(src, parent, node, depth + 1)
        if isinstance(parent, (ast.BinOp, ast.UnaryOp, ast.Tuple, ast.List, ast.Starred)):
            node = parent  # `(x + 1) / 2` un-normalising, `[real, fake]` before a cat
            continue
        if isinstance(parent, (ast.ListComp, ast.GeneratorExp)) and parent.elt is node:
            node = parent  # `[np.concatenate(tiles[i:i + 8]) for i in ...]`: tiling a grid
            continue
        if isinstance(parent, ast.Subscript) and parent.value is node:
            node = parent  # `fake[:16]`
            continue
        if isinstance(parent, ast.Assign) and parent.value is node:
            names = [n for t in parent.targets for n in target_names(t)]
            return bool(names) and all(_name_to_images(src, parent, n, depth + 1) for n in names)
        return False


def _statement(src: Source, node: ast.AST) -> ast.stmt:
    while not isinstance(node, ast.stmt):
        node = src.parents[node]
    return node


def _name_to_images(src: Source, stmt: ast.stmt, name: str, depth: int) -> bool:
    """Every read of `name` that `stmt`'s value reaches ends in an image sink (and there is one)."""
    return _reads_to_images(src, src.scope_of(stmt), stmt.end_lineno or stmt.lineno, name, depth)


def _reads_to_images(src: Source, scope: ast.AST, end: int, name: str, depth: int) -> bool:
    """The reads of `name` in `scope` after line `end`, up to its next rebinding."""
    # The next rebinding ends the reach: the DCGAN loop reuses `fake` for its training batch.
    rebinds = [
        n.lineno
        for n in ast.walk(scope)
        if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For))
        and n.lineno > end
        and name in _bound(n)
    ]
    stop = min(rebinds, default=10**9)
    reads = [
        n
        for n in ast.walk(scope)
        if isinstance(n, (ast.Name, ast.Attribute))
        and isinstance(n.ctx, ast.Load)
        and dotted(n) == name
        and end < n.lineno <= stop
    ]
    positive = False
    for read in reads:
        parent = src.parents.get(read)
        if isinstance(parent, ast.Attribute) and parent.attr in NEUTRAL_OWNER:
            continue
        if isinstance(parent, ast.Call) and call_name(parent) == "len":
            continue
        if not _to_images(src, read, depth):
            return False
        positive = True
    return positive


def _bound(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Assign):
        return [n for t in node.targets for n in target_names(t)]
    if isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)):
        return target_names(node.target)
    return []


def _functions(src: Source, name: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [
        n
        for n in ast.walk(src.tree)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == name
    ]


def _helper_to_images(src: Source, call: ast.Call, arg: ast.AST, depth: int) -> bool:
    """`write_png(fake, path)`: the script's own function, whose parameter only becomes images."""
    defs = _functions(src, last(call_name(call)))
    if len(defs) != 1 or arg not in call.args:
        return False
    fn = defs[0]
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    if isinstance(call.func, ast.Attribute) and params[:1] == ["self"]:
        params = params[1:]
    index = call.args.index(arg)  # type: ignore[arg-type]
    if index >= len(params) or not fn.body:
        return False
    # The parameter is bound at the `def` line: its reads are the function body's.
    return _reads_to_images(src, fn, fn.lineno, params[index], depth)
