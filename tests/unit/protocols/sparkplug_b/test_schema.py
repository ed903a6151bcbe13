"""The committed schema and generated module match the published Sparkplug B schema."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from google.protobuf import descriptor_pb2, text_format
from pysparkplug._protobuf import sparkplug_b_pb2 as tahu

from firmware_protocols.sparkplug_b import sparkplug_b_pb2 as ours
from firmware_protocols.sparkplug_b.datatypes import DataType

PACKAGE = Path(ours.__file__).parent
REPO_ROOT = PACKAGE.parent.parent


def _normalised(module: object, package: str) -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto()
    module.DESCRIPTOR.CopyToProto(proto)  # type: ignore[attr-defined]
    text = str(proto).replace(package, "PKG")
    result = descriptor_pb2.FileDescriptorProto()
    text_format.Parse(text, result)
    result.ClearField("name")
    result.ClearField("options")
    return result


def test_messages_and_enum_are_field_for_field_those_of_tahu() -> None:
    # pysparkplug ships protoc output of Eclipse Tahu's sparkplug_b.proto: an independent copy.
    theirs = _normalised(tahu, "org.eclipse.tahu.protobuf")
    mine = _normalised(ours, "firmware_protocols.sparkplug_b")
    assert mine.message_type == theirs.message_type
    assert mine.enum_type == theirs.enum_type
    nested = [t.name for t in mine.message_type[0].nested_type]
    assert nested == [
        "Template",
        "DataSet",
        "PropertyValue",
        "PropertySet",
        "PropertySetList",
        "MetaData",
        "Metric",
    ]


def test_python_datatype_enum_matches_the_schema() -> None:
    generated = dict(ours.DataType.items())
    assert generated == {member.name: member.value for member in DataType}
    assert DataType.DateTime == 13 and DataType.DateTimeArray == 34


def test_runtime_lower_bound_is_the_gencode_version() -> None:
    header = (PACKAGE / "sparkplug_b_pb2.py").read_text()
    match = re.search(r"# Protobuf Python Version: (\S+)", header)
    assert match is not None
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    assert f"protobuf>={match.group(1)}" in pyproject["project"]["dependencies"]
    assert any(
        d.startswith("grpcio-tools")
        for d in pyproject["project"]["optional-dependencies"]["codegen"]
    )


def test_regeneration_command_is_documented() -> None:
    command = "python -m grpc_tools.protoc -I. --python_out=. --pyi_out=."
    assert command in (PACKAGE / "sparkplug_b.proto").read_text()
    assert command in (PACKAGE / "__init__.py").read_text()
