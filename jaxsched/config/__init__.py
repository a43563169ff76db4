"""Floor 4, configuration: ``from_config``/``load_config`` (dicts, JSON/YAML files, DeepSpeed
configs), time units (:class:`Timeline`), argparse helpers and the ecosystems' names.

Imports every floor below it. ``jaxsched.args`` and ``jaxsched.units`` are the public paths of
:mod:`jaxsched.config.args` and :mod:`jaxsched.config.units`.
"""

from jaxsched.config.loader import from_config, load_config, registered_names

__all__ = ["from_config", "load_config", "registered_names"]
