/* Private: what the model says about itself, for tests/viewer. */
#ifndef TT_VIEWER_MODEL_H
#define TT_VIEWER_MODEL_H

/* 1: the model has a handler for event type `type`; 0: an explicit "no
 * effect" entry (the event only goes to the renderers); -1: none (a type
 * past the schema). */
int tt__model_handles(unsigned type);

#endif
