from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="BatchError")


@_attrs_define
class BatchError:
    """
    Attributes:
        code (str | None): A machine-readable reason.
        message (str | None): A readable reason.
        param (None | str): The offending parameter, if one is to blame.
        line (int | None): The 1-based line of the input file, if one is to blame.
    """

    code: str | None = None
    message: str | None = None
    param: None | str = None
    line: int | None = None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)
    _nulls: set[str] = _attrs_field(init=False, factory=set, repr=False)

    def to_dict(self) -> dict[str, Any]:
        code = UNSET if self.code is None and "code" not in self._nulls else self.code

        message = UNSET if self.message is None and "message" not in self._nulls else self.message

        _param = UNSET if self.param is None and "param" not in self._nulls else self.param

        param: None | str | Unset
        if isinstance(_param, Unset):
            param = UNSET
        else:
            param = _param

        _line = UNSET if self.line is None and "line" not in self._nulls else self.line

        line: int | None | Unset
        if isinstance(_line, Unset):
            line = UNSET
        else:
            line = _line

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if code is not UNSET:
            field_dict["code"] = code
        if message is not UNSET:
            field_dict["message"] = message
        if param is not UNSET:
            field_dict["param"] = param
        if line is not UNSET:
            field_dict["line"] = line

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        for key in (
            "code",
            "message",
        ):  # typed never null, yet sent as null: read as absent
            if key in d and d[key] is None:
                del d[key]
        code = d.pop("code", UNSET)

        message = d.pop("message", UNSET)

        def _parse_param(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        param = _parse_param(d.pop("param", UNSET))

        def _parse_line(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        line = _parse_line(d.pop("line", UNSET))

        batch_error = cls(
            code=None if isinstance(code, Unset) else code,
            message=None if isinstance(message, Unset) else message,
            param=None if isinstance(param, Unset) else param,
            line=None if isinstance(line, Unset) else line,
        )
        batch_error._nulls = {key for key, value in src_dict.items() if value is None}

        batch_error.additional_properties = d
        return batch_error

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
