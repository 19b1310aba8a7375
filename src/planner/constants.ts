/** The review's floor for practical training (role-play, simulation, supervised practice). */
export const MIN_PRACTICAL_SHARE = 0.4;
/** A generated curriculum's practical share may exceed the requested share by at most this much. */
export const PRACTICAL_SHARE_TOLERANCE = 0.05;
