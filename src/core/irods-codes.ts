/**
 * iRODS error codes the HTTP API surfaces (irods-http-api.md §3.1). A code is `-mmmmnnn`: the
 * iRODS error rounded toward zero to a multiple of 1000, plus an optional Unix errno in the last
 * three digits, so codes are always compared through `baseErrorCode`.
 */
export const IRODS_ERRORS = {
  SYS_NO_API_PRIV: -13000,
  SYS_RESC_DOES_NOT_EXIST: -78000,
  SYS_COLLECTION_NOT_EMPTY: -79000,
  SYS_INVALID_INPUT_PARAM: -130000,
  SYS_INTERNAL_ERR: -154000,
  SYS_REPLICA_DOES_NOT_EXIST: -164000,
  SYS_NO_GOOD_REPLICA: -166000,
  SYS_REPLICA_INACCESSIBLE: -168000,
  NOT_A_COLLECTION: -170000,
  NOT_A_DATA_OBJECT: -171000,
  JSON_VALIDATION_ERROR: -172000,
  INVALID_HANDLE: -175000,
  USER_FILE_DOES_NOT_EXIST: -310000,
  OVERWRITE_WITHOUT_FORCE_FLAG: -312000,
  USER_CHKSUM_MISMATCH: -314000,
  USER_PATH_EXCEEDS_MAX: -346000,
  OBJ_PATH_DOES_NOT_EXIST: -358000,
  USER_INCOMPATIBLE_PARAMS: -402000,
  USER_INVALID_REPLICA_INPUT: -403000,
  CHECK_VERIFICATION_RESULTS: -407000,
  CAT_NO_ROWS_FOUND: -808000,
  CAT_UNKNOWN_COLLECTION: -814000,
  CAT_UNKNOWN_FILE: -817000,
  CAT_NO_ACCESS_PERMISSION: -818000,
  CAT_COLLECTION_NOT_EMPTY: -821000,
  CAT_INVALID_AUTHENTICATION: -826000,
  CAT_INVALID_USER: -827000,
  CAT_INSUFFICIENT_PRIVILEGE_LEVEL: -830000,
  CAT_NAME_EXISTS_AS_COLLECTION: -833000,
  CAT_NAME_EXISTS_AS_DATAOBJ: -834000,
  CAT_NOT_A_DATAOBJ_AND_NOT_A_COLLECTION: -836000,
  CAT_NO_CHECKSUM_FOR_REPLICA: -862000,
  INPUT_ARG_NOT_WELL_FORMED_ERR: -1084000,
  INVALID_OBJECT_TYPE: -1105000,
  NO_COLUMN_NAME_FOUND: -1107000,
  HIERARCHY_ERROR: -1803000,
  INVALID_OPERATION: -1811000,
  DIRECT_CHILD_ACCESS: -1816000,
} as const;

export type IrodsErrorName = keyof typeof IRODS_ERRORS;

const namesByCode = new Map<number, IrodsErrorName>(
  Object.entries(IRODS_ERRORS).map(([name, code]) => [code, name as IrodsErrorName]),
);

/** The iRODS error a status code stands for, without the errno digits (§3). */
export function baseErrorCode(code: number): number {
  return Math.trunc(code / 1000) * 1000;
}

/** The name of a known iRODS error code (errno digits ignored), or undefined. */
export function irodsErrorName(code: number): IrodsErrorName | undefined {
  return namesByCode.get(baseErrorCode(code));
}

/** True when `code` is the iRODS error `name`, whatever errno it carries. */
export function isIrodsError(code: number | undefined, name: IrodsErrorName): boolean {
  return code !== undefined && baseErrorCode(code) === IRODS_ERRORS[name];
}

/** "CAT_NO_ACCESS_PERMISSION (-818000)", or "iRODS error -999000" for a code not in the table. */
export function describeIrodsCode(code: number): string {
  const name = irodsErrorName(code);
  return name === undefined ? `iRODS error ${code}` : `${name} (${code})`;
}
