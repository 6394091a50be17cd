from soe_core.yaml_parser import parse_yaml

__all__ = ["parse_yaml"]
