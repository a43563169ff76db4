"""argparse helpers: DeepSpeed's flags and a generic form (public path of
:mod:`jaxsched.config.args`)."""

from jaxsched.config.args import (
    DEEPSPEED_FLAGS,
    DEEPSPEED_SCHEDULES,
    add_schedule_arguments,
    config_from_args,
    parse_bool,
    schedule_from_args,
    timeline_from_args,
)

__all__ = [
    "DEEPSPEED_FLAGS",
    "DEEPSPEED_SCHEDULES",
    "add_schedule_arguments",
    "config_from_args",
    "parse_bool",
    "schedule_from_args",
    "timeline_from_args",
]
