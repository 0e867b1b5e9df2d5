/** iRODS error codes the emulator returns (spec §3.1). */
export const IRODS = {
  SYS_NO_API_PRIV: -13000,
  SYS_RESC_DOES_NOT_EXIST: -78000,
  SYS_COLLECTION_NOT_EMPTY: -79000,
  SYS_INVALID_INPUT_PARAM: -130000,
  SYS_REPLICA_DOES_NOT_EXIST: -164000,
  SYS_NO_GOOD_REPLICA: -166000,
  SYS_REPLICA_INACCESSIBLE: -168000,
  SYS_NOT_ALLOWED: -169000,
  NOT_A_COLLECTION: -170000,
  NOT_A_DATA_OBJECT: -171000,
  JSON_VALIDATION_ERROR: -172000,
  INVALID_HANDLE: -175000,
  OVERWRITE_WITHOUT_FORCE_FLAG: -312000,
  USER_CHKSUM_MISMATCH: -314000,
  USER_PATH_EXCEEDS_MAX: -346000,
  OBJ_PATH_DOES_NOT_EXIST: -358000,
  USER_INCOMPATIBLE_PARAMS: -402000,
  USER_INVALID_REPLICA_INPUT: -403000,
  CHECK_VERIFICATION_RESULTS: -407000,
  CAT_NO_ROWS_FOUND: -808000,
  CATALOG_ALREADY_HAS_ITEM_BY_THAT_NAME: -809000,
  CAT_NO_ACCESS_PERMISSION: -818000,
  CAT_COLLECTION_NOT_EMPTY: -821000,
  CAT_INVALID_USER: -827000,
  CAT_INSUFFICIENT_PRIVILEGE_LEVEL: -830000,
  CAT_NAME_EXISTS_AS_COLLECTION: -833000,
  CAT_NAME_EXISTS_AS_DATAOBJ: -834000,
  CAT_NO_CHECKSUM_FOR_REPLICA: -862000,
  CAT_TICKET_INVALID: -890000,
  INPUT_ARG_NOT_WELL_FORMED_ERR: -1084000,
  INVALID_OBJECT_TYPE: -1105000,
  HIERARCHY_ERROR: -1803000,
  INVALID_OPERATION: -1811000,
  DIRECT_CHILD_ACCESS: -1816000,
} as const;

export type IrodsErrorName = keyof typeof IRODS;

/** The "<what failed>: <ERROR_NAME>" message shape of the iRODS filesystem library (§3). */
export function libraryMessage(what: string, name: IrodsErrorName): string {
  return `${what}: ${name}`;
}

/** An iRODS-level failure inside the catalog, carrying its code and library-style message. */
export class IrodsError extends Error {
  readonly code: number;
  constructor(
    readonly errorName: IrodsErrorName,
    what: string,
  ) {
    super(libraryMessage(what, errorName));
    this.code = IRODS[errorName];
  }
}
