import { applyDecorators } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsArray, IsDefined, IsObject, ValidateNested } from 'class-validator';

/**
 * A property that holds an object of class `type` (or, with `array`, an array of them),
 * validated as that class. `@ValidateNested` alone validates every element of an array, so
 * `"supplier": []` passed as "nothing wrong" and reached the log; IsObject refuses arrays,
 * strings and null where an object is expected. Required unless `@IsOptional()` comes first.
 */
export function NestedObject(type: () => new () => object, options: { array?: boolean } = {}): PropertyDecorator {
  const each = { each: options.array === true };
  return applyDecorators(options.array ? IsArray() : IsDefined(), IsObject(each), ValidateNested(each), Type(type));
}
