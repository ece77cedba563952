"""Make a subpackage callable, so ``reliability.agreement(...)`` and ``reliability.icc(...)``
call the package's main function while ``reliability.agreement.cohen_kappa`` still works.

Binding the function itself to ``reliability.agreement`` would shadow the subpackage (and
break ``from reliability import agreement`` for module users); a module subclass with
``__call__`` (module ``__class__`` assignment, Python >= 3.5) gives both.
"""

from __future__ import annotations

import sys
import types


def make_callable(module_name: str, function_name: str) -> None:
    module = sys.modules[module_name]

    class CallableModule(types.ModuleType):
        def __call__(self, *args, **kwargs):
            return getattr(self, function_name)(*args, **kwargs)

    CallableModule.__call__.__doc__ = f"Call :func:`{module_name}.{function_name}`."
    module.__class__ = CallableModule
