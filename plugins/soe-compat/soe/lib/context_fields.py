from soe_core.context import get_accumulated, get_field, set_field

__all__ = ["get_accumulated", "get_field", "set_field"]
