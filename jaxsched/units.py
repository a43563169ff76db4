"""Time units for step parameters (public path of :mod:`jaxsched.config.units`)."""

from jaxsched.config.units import STEP_PARAMETERS, Timeline, is_step_parameter, parse_unit

__all__ = ["Timeline", "STEP_PARAMETERS", "is_step_parameter", "parse_unit"]
